/**
 * Registers every command the extension contributes, one group of them per module. Each runs
 * through `commandRegistrar` (commandRunner.ts), so a failure is logged and shown, never swallowed.
 */
import type * as vscode from 'vscode';
import { registerCheckCommands, type CheckCommandServices } from './checkCommands';
import { registerCredentialCommands, type CredentialCommandServices } from './credentialCommands';
import { registerHistoryCommands, type HistoryCommandServices } from './historyCommands';
import { registerTargetCommands, type TargetCommandServices } from './targetCommands';

export interface CommandServices extends TargetCommandServices, CheckCommandServices, HistoryCommandServices, CredentialCommandServices {}

export function registerCommands(services: CommandServices): vscode.Disposable[] {
  return [
    ...registerTargetCommands(services),
    ...registerCheckCommands(services),
    ...registerHistoryCommands(services),
    ...registerCredentialCommands(services),
  ];
}
