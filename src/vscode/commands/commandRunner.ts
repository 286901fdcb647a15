/**
 * How every command runs: a failure is logged with its detail and shown as an error message with
 * a Show Log action, never swallowed.
 */
import * as vscode from 'vscode';
import type { CommandId } from './commandIds';
import { showMessage } from '../notifications/editorMessages';

/**
 * Registers one command; the handler's failure is reported, and the command then returns undefined.
 * The handler runs once the extension has started, unless `beforeStart` says it needs nothing that
 * starting sets up.
 */
export type RegisterCommand = (
  id: CommandId,
  handler: (...args: never[]) => unknown,
  options?: { beforeStart?: boolean },
) => vscode.Disposable;

/** What every group of commands is given. */
export interface CommandBasics {
  log: vscode.LogOutputChannel;
  /**
   * Settles once the extension has started: settings and secrets read, the history open (or its
   * failure logged). A command clicked in the first second waits for it instead of failing (Export
   * History said "the history is not open yet") or acting on an empty target list.
   */
  started: PromiseLike<void>;
}

/** Shows a failure the way every command does: logged in full, summarised with Show Log. */
export function reportFailure(log: vscode.LogOutputChannel, what: string, error: unknown): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  log.error(`${what} failed: ${detail}`);
  const message = error instanceof Error ? error.message : String(error);
  const showLog = vscode.l10n.t('Show Log');
  void showMessage('error', vscode.l10n.t('Network Monitor: {0}', message), showLog).then((choice) => {
    if (choice === showLog) log.show();
  });
}

/** Registers commands whose failures go to this log, each run once the extension has started. */
export function commandRegistrar({ log, started }: CommandBasics): RegisterCommand {
  return (id, handler, options) =>
    vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        if (!options?.beforeStart) await started;
        return await handler(...args);
      } catch (error) {
        reportFailure(log, `The command ${id}`, error);
        return undefined;
      }
    });
}
