/**
 * What the user is told when the history or a target entry has a problem: a line in the log, and
 * a warning with the action that helps (Show Log; Review… for an entry waiting for approval, Open
 * Settings for one that is broken).
 */
import * as vscode from 'vscode';
import type { StoreProblem } from '../../core/store/historyStore';
import type { EntryApprovals } from '../config/entryApprovals';
import type { TargetConfiguration } from '../config/targetConfiguration';
import type { EntryProblem } from '../config/targetEntries';
import { showMessage } from './editorMessages';

/** A recovered write is only logged; anything else is also shown, with Show Log. */
export function reportStoreProblem(problem: StoreProblem, log: vscode.LogOutputChannel): void {
  if (problem.kind === 'write-recovered') {
    log.info(problem.message);
    return;
  }
  log.error(problem.message);
  const showLog = vscode.l10n.t('Show Log');
  void showMessage('warning', problem.message, showLog).then((choice) => choice === showLog && log.show());
}

/** A broken entry, or one waiting for the user's approval, with the settings file it is in a click away. */
export function reportTargetProblem(
  problem: EntryProblem,
  log: vscode.LogOutputChannel,
  approvals: EntryApprovals,
  targets: TargetConfiguration,
): void {
  log.warn(problem.message);
  const openSettings = vscode.l10n.t('Open Settings');
  const review = vscode.l10n.t('Review…');
  const actions = problem.approval ? [review, openSettings] : [openSettings];
  void showMessage('warning', problem.message, ...actions).then((choice) => {
    if (choice === review) void approvals.approve(targets.pendingApprovals(), problem.approval?.key);
    if (choice !== openSettings) return;
    const command = problem.origin.level === 'user' ? 'workbench.action.openSettingsJson' : 'workbench.action.openWorkspaceSettingsFile';
    void vscode.commands.executeCommand(command);
  });
}

/** The settings could not be read at all: the previous list stays in force. */
export function reportUnreadableTargets(error: unknown, log: vscode.LogOutputChannel): void {
  log.error(`The networkMonitor.targets settings could not be read; the previous list stays in force: ${(error as Error).stack ?? error}`);
}
