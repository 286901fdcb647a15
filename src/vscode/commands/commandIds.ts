/** Every command id the extension registers; package.json's `contributes.commands` lists the same. */
export const enum CommandId {
  AddTarget = 'networkMonitor.addTarget',
  EditTarget = 'networkMonitor.editTarget',
  RemoveTarget = 'networkMonitor.removeTarget',
  PauseTarget = 'networkMonitor.pauseTarget',
  ResumeTarget = 'networkMonitor.resumeTarget',
  PauseAll = 'networkMonitor.pauseAll',
  ResumeAll = 'networkMonitor.resumeAll',
  CheckNow = 'networkMonitor.checkNow',
  OpenDashboard = 'networkMonitor.openDashboard',
  ShowReport = 'networkMonitor.showReport',
  ExportHistory = 'networkMonitor.exportHistory',
  ShowLog = 'networkMonitor.showLog',
  CopyApiToken = 'networkMonitor.copyApiToken',
  RotateApiToken = 'networkMonitor.rotateApiToken',
  StoreSecret = 'networkMonitor.storeSecret',
  MuteTarget = 'networkMonitor.muteTarget',
  UnmuteTarget = 'networkMonitor.unmuteTarget',
  ManageSecrets = 'networkMonitor.manageSecrets',
  DeleteSecret = 'networkMonitor.deleteSecret',
  /** Internal: the status bar item's click. */
  ShowTargetPicker = 'networkMonitor.showTargetPicker',
}
