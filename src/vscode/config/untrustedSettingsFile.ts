/**
 * Reads a workspace's or folder's settings file from disk for the Restricted Mode listing, where
 * VS Code itself gives the extension nothing. The file comes from a repository the user has not
 * trusted yet, and a repository can hold a symlink: `.vscode/settings.json` may lead to
 * `/dev/zero` or a FIFO. Only a regular file of at most 1 MB is read (`readCappedRegularFile`).
 * Free of `vscode`, so it is tested under plain Node.
 */
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { readCappedRegularFile } from '../../core/cappedFile';

/** A settings file larger than this is not read for the Restricted Mode listing. */
export const MAX_UNTRUSTED_SETTINGS_BYTES = 1024 * 1024;

/** The top-level object of a settings file's text (JSON with comments), or undefined. */
export function settingsObjectIn(text: string): Record<string, unknown> | undefined {
  const errors: ParseError[] = [];
  const parsed: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/** The settings in the file at `path`; undefined when it is missing, not a regular file, too large or not an object. */
export async function readUntrustedSettingsFile(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const { data } = await readCappedRegularFile(path, MAX_UNTRUSTED_SETTINGS_BYTES);
    return settingsObjectIn(data.toString('utf8'));
  } catch {
    return undefined;
  }
}
