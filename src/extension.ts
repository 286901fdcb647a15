/**
 * The composition root: builds the services in order and registers one disposable that tears them
 * down in reverse. Heavy work (loading WASM, opening the store, probing) starts after activate()
 * returns.
 */
import * as vscode from 'vscode';
import { CommandId } from './vscode/commands/commandIds';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Network Monitor', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand(CommandId.ShowLog, () => log.show()),
    vscode.commands.registerCommand(CommandId.CheckNow, () => log.info('Check now requested')),
  );
}

export function deactivate(): void {
  // Nothing to flush yet.
}
