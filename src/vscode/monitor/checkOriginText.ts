/**
 * The tooltip line that says where checks run: on this computer, or on the remote machine of a
 * Remote-SSH, WSL, Codespaces or container window, where the extension runs (see `extensionKind`
 * in package.json and the README's "Remote development").
 */
import { hostname } from 'node:os';
import * as vscode from 'vscode';
import { checkOrigin } from '../format/monitorText';

let cached: string | undefined;

/** Markdown for a tooltip; the machine name is escaped. Made once: neither changes while the extension runs. */
export function checkOriginMarkdown(): string {
  cached ??= originMarkdown();
  return cached;
}

function originMarkdown(): string {
  const origin = checkOrigin(vscode.env.remoteName, hostname());
  const where = new vscode.MarkdownString().appendText(origin.where).value;
  return origin.remote
    ? `$(remote) ${vscode.l10n.t('Checks run on the remote machine {0}', where)}`
    : `$(vm) ${vscode.l10n.t('Checks run on this computer ({0})', where)}`;
}
