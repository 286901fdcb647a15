/**
 * Import Targets: reads an Uptime Kuma backup (JSON) or a Gatus configuration (YAML), shows what
 * maps (checked), what maps in part (its notes beside it) and what cannot (in the log and the
 * title), and appends the chosen targets to the user's settings. Credentials found in the file go
 * to Secret Storage, bound to the origin of the target they came with, as Store Secret does; one
 * whose name a stored secret has replaces it only if the user says so. Headers in the file that
 * refer to the user's secrets are left out, and the user is told which.
 */
import * as vscode from 'vscode';
import {
  ImportError,
  importTargets,
  settleSecretNames,
  type ImportedSecret,
  type ImportFormat,
  type ImportPreview,
  type SecretClashChoice,
} from '../../core/targets/targetImport';
import { resolveTarget } from '../../core/targets/target';
import type { TargetConfiguration } from '../config/targetConfiguration';
import type { SecretCommands } from './secretCommands';
import { askModal, showMessage } from '../notifications/editorMessages';

/** Arguments for importing without the dialogs; only from our own code and tests (commandArguments.ts). */
export interface ImportTargetsArguments {
  file: vscode.Uri | string;
  format?: ImportFormat;
  /** Import every target that maps, without asking; a credential whose name is taken gets a new name. */
  all?: boolean;
}

export async function importTargetsCommand(
  targets: TargetConfiguration,
  secretCommands: SecretCommands,
  log: vscode.LogOutputChannel,
  args?: ImportTargetsArguments,
): Promise<number> {
  let uri: vscode.Uri | undefined = typeof args?.file === 'string' ? vscode.Uri.file(args.file) : args?.file;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Import Targets from Uptime Kuma or Gatus'),
      canSelectMany: false,
      filters: { [vscode.l10n.t('Uptime Kuma backup or Gatus configuration')]: ['json', 'yaml', 'yml'] },
    });
    uri = picked?.[0];
    if (!uri) return 0;
  }
  // Through the editor's file system, so a file on a remote or virtual workspace is read too.
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  let preview: ImportPreview;
  try {
    preview = importTargets(text, args?.format);
  } catch (error) {
    if (error instanceof ImportError) throw new Error(vscode.l10n.t('{0} cannot be imported: {1}', uri.fsPath, error.message));
    throw error;
  }
  logPreview(log, uri, preview);

  const known = new Set(targets.targets.map((configured) => configured.target.id));
  const fresh = preview.targets.filter((imported) => {
    const resolved = resolveTarget(imported.entry);
    return resolved.ok && !known.has(resolved.value.id);
  });
  const alreadyThere = preview.targets.length - fresh.length;
  let chosen = fresh;
  if (!args?.all) {
    const skippedText =
      preview.skipped.length > 0 ? vscode.l10n.t('; {0} cannot be imported (see the log)', String(preview.skipped.length)) : '';
    const items = fresh.map((imported) => ({
      label: imported.entry.name ?? imported.source,
      description: imported.entry.url,
      detail: imported.notes.length > 0 ? imported.notes.join('; ') : undefined,
      picked: true,
      imported,
    }));
    const picked = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t(
        'Import {0} of {1} from {2}{3}',
        String(fresh.length),
        String(preview.targets.length + preview.skipped.length),
        preview.format === 'gatus' ? 'Gatus' : 'Uptime Kuma',
        skippedText,
      ),
      placeHolder:
        alreadyThere > 0
          ? vscode.l10n.t('{0} already configured and left out', String(alreadyThere))
          : vscode.l10n.t('Uncheck what you do not want'),
      canPickMany: true,
      matchOnDescription: true,
      ignoreFocusOut: true,
    });
    if (!picked) return 0;
    chosen = picked.map((item) => item.imported);
  }
  if (chosen.length === 0) return 0;

  const settled = await settleSecretNames(chosen, preview.secrets, new Set(secretCommands.names()), (secret) =>
    args?.all ? Promise.resolve('keepBoth') : askAboutClash(secret),
  );
  if (!settled) return 0;
  // Credentials first, so no imported target is checked before its secret exists.
  for (const secret of settled.secrets) {
    await secretCommands.store({ name: secret.name, value: secret.value, origins: [secret.origin] });
  }
  await targets.addAll(settled.entries);
  const lostHeaders = chosen
    .filter((imported) => imported.droppedSecretHeaders.length > 0)
    .map((imported) => `${imported.entry.name ?? imported.source} (${imported.droppedSecretHeaders.join(', ')})`);
  for (const lost of lostHeaders) log.warn(`Import: ${lost}: header left out, it referred to one of your secrets.`);
  const imported = vscode.l10n.t(
    'Imported {0} target(s) into your user settings{1}.',
    String(chosen.length),
    preview.skipped.length > 0 ? vscode.l10n.t('; {0} could not be imported (see the log)', String(preview.skipped.length)) : '',
  );
  // The names come from the file: they go to the log, not into the notification's text.
  if (lostHeaders.length === 0) void showMessage('info', imported);
  else
    void showMessage(
      'warning',
      `${imported} ${vscode.l10n.t(
        '{0} of them lost headers that referred to your stored secrets, which a file may not use (the log names them). Add those headers yourself if you trust the targets.',
        String(lostHeaders.length),
      )}`,
    );
  return chosen.length;
}

/** Asks whether a credential from the file may replace the stored secret of the same name. */
async function askAboutClash(secret: ImportedSecret): Promise<SecretClashChoice | undefined> {
  const replace = vscode.l10n.t('Replace');
  const keepBoth = vscode.l10n.t('Keep Both');
  // A modal dialog draws its text as plain text (no links), so the file's names are shown as written.
  const answer = await askModal(
    vscode.l10n.t(
      'A secret named "{0}" is already stored. Replace it with the credential from the file, for {1}?',
      secret.name,
      secret.origin,
    ),
    vscode.l10n.t("Keep Both stores the file's credential under a new name and leaves yours as it is. Cancel imports nothing."),
    replace,
    keepBoth,
  );
  return answer === replace ? 'replace' : answer === keepBoth ? 'keepBoth' : undefined;
}

function logPreview(log: vscode.LogOutputChannel, uri: vscode.Uri, preview: ImportPreview): void {
  log.info(`Import from ${uri.fsPath} (${preview.format}): ${preview.targets.length} target(s) map, ${preview.skipped.length} cannot.`);
  for (const imported of preview.targets) {
    log.info(`  ${imported.source} -> ${imported.entry.url}${imported.notes.length > 0 ? ` (${imported.notes.join('; ')})` : ''}`);
  }
  for (const skipped of preview.skipped) log.info(`  ${skipped.source}: not imported, ${skipped.reason}`);
  for (const secret of preview.secrets) log.info(`  secret "${secret.name}" for ${secret.origin} goes to Secret Storage`);
}
