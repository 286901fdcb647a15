/**
 * The one way the extension shows a message in the editor. A message often quotes what others
 * control (a server's answer, a target's name or address from a workspace, an import file, another
 * window's notice), and VS Code runs `[label](command:…)` links in notification text, so every
 * notification passes through `neutraliseLinks` here. `npm run lint` refuses a direct call
 * to `vscode.window.show*Message` anywhere else.
 */
import * as vscode from 'vscode';
import { neutraliseLinks } from '../../shared/untrustedText';

export type MessageSeverity = 'info' | 'warning' | 'error';

const MAX_KEPT = 50;

/** The last messages handed to the editor, exactly as handed, newest last (the test API reads them). */
export const editorMessageLog: { severity: MessageSeverity | 'modal'; text: string; at: number }[] = [];

function logged(severity: MessageSeverity | 'modal', text: string): string {
  editorMessageLog.push({ severity, text, at: Date.now() });
  if (editorMessageLog.length > MAX_KEPT) editorMessageLog.splice(0, editorMessageLog.length - MAX_KEPT);
  return text;
}

/** A notification with buttons; resolves to the title of the one pressed, if any. */
export function showMessage(severity: MessageSeverity, message: string, ...actions: string[]): Thenable<string | undefined> {
  const text = logged(severity, neutraliseLinks(message));
  switch (severity) {
    case 'info':
      return vscode.window.showInformationMessage(text, ...actions);
    case 'warning':
      return vscode.window.showWarningMessage(text, ...actions);
    case 'error':
      return vscode.window.showErrorMessage(text, ...actions);
  }
}

/**
 * A modal warning that must be answered; resolves to the title of the button pressed, if any. A
 * dialog draws its message and detail as plain text (no link is ever made of them), so they are
 * shown as given: an entry waiting for approval is shown exactly as written.
 */
export function askModal(message: string, detail: string | undefined, ...actions: string[]): Thenable<string | undefined> {
  return vscode.window.showWarningMessage(
    logged('modal', message),
    { modal: true, ...(detail === undefined ? {} : { detail }) },
    ...actions,
  );
}
