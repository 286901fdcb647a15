/** Every command id the extension registers; package.json's `contributes.commands` lists the same. */
export const enum CommandId {
  CheckNow = 'networkMonitor.checkNow',
  ShowLog = 'networkMonitor.showLog',
}
