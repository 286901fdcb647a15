/**
 * How every file in the extension's global storage and the CLI's data folder is made: files
 * readable by their owner only (0600), folders 0700, whatever the umask, because they hold the
 * history of what a user monitors, the lease of a running window and the API token. Files are
 * created exclusively (O_CREAT | O_EXCL, which never follows a symlink at the path, plus
 * O_NOFOLLOW where the platform has it), so a link planted where a temporary file goes cannot
 * redirect a write elsewhere. Whole-file replaces go through a temporary file with a random name
 * and a rename.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIRECTORY_MODE = 0o700;

/** Create, exclusively, never through a symlink (O_NOFOLLOW is 0 where it does not exist). */
const EXCLUSIVE_CREATE = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0);
const TEMPORARY_NAME_ATTEMPTS = 10;

/** A folder that must not hold the history or a token: another user's. */
export class UnsafeDirectoryError extends Error {}

/**
 * Makes the folder (and its parents) if needed, and returns its real path, symlinks resolved, so a
 * caller that keeps that path is not led elsewhere later. The real folder must be the user's own:
 * its owner could replace the history, the lease or the API token file (plant a token they know),
 * so another user's folder, root's included, is refused with a message saying so. The user's own
 * folder is narrowed to 0700 (one made by an earlier version, by VS Code or by hand may be wider):
 * refusing it would stop every existing install for what one chmod fixes. Parents are not touched.
 */
export async function ensurePrivateDirectory(directory: string): Promise<string> {
  await fs.mkdir(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  const real = await fs.realpath(directory);
  if (process.platform === 'win32') return real;
  const stat = await fs.stat(real);
  const where = real === directory ? real : `${real} (where ${directory} leads)`;
  if (!stat.isDirectory()) throw new UnsafeDirectoryError(`${where} is not a folder.`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new UnsafeDirectoryError(
      `The folder ${where} belongs to another user (uid ${stat.uid}), who could read or replace the history and the API token kept there. Use a folder of your own.`,
    );
  }
  if ((stat.mode & 0o777) !== PRIVATE_DIRECTORY_MODE) await fs.chmod(real, PRIVATE_DIRECTORY_MODE);
  return real;
}

/** Creates a new file at `path`, 0600; fails with EEXIST when anything (a symlink too) is there. */
export async function openPrivateExclusive(path: string): Promise<fs.FileHandle> {
  const handle = await fs.open(path, EXCLUSIVE_CREATE, PRIVATE_FILE_MODE);
  // The mode given to open is narrowed by the umask, never widened; fchmod makes it exactly 0600.
  if (process.platform !== 'win32') await handle.chmod(PRIVATE_FILE_MODE);
  return handle;
}

/** A new temporary file beside `path`, with a random name, opened exclusively. */
export async function createPrivateTemporary(path: string): Promise<{ handle: fs.FileHandle; path: string }> {
  for (let attempt = 1; ; attempt++) {
    const temporary = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
    try {
      return { handle: await openPrivateExclusive(temporary), path: temporary };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= TEMPORARY_NAME_ATTEMPTS) throw error;
    }
  }
}

/** A whole file written beside its final name, waiting to replace it. */
export interface StagedFile {
  /** Renames it over the final name (and, when durable, syncs the folder). */
  commit(): Promise<void>;
  /** Removes it, leaving the final name as it was. */
  discard(): Promise<void>;
}

/**
 * Writes `data` to a private temporary file beside `path`, to be renamed over it by `commit`:
 * a caller that must check something just before the replace (the history store, its lease)
 * does the slow write first. With `durable`, the data is synced before `stage` returns.
 */
export async function stagePrivateFile(path: string, data: Uint8Array | string, options: { durable?: boolean } = {}): Promise<StagedFile> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const temporary = await createPrivateTemporary(path);
  const discard = (): Promise<void> => fs.rm(temporary.path, { force: true }).catch(() => undefined);
  try {
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await temporary.handle.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
    if (options.durable) await temporary.handle.sync();
    await temporary.handle.close();
  } catch (error) {
    await temporary.handle.close().catch(() => undefined);
    await discard();
    throw error;
  }
  return {
    async commit() {
      try {
        await fs.rename(temporary.path, path);
      } catch (error) {
        await discard();
        throw error;
      }
      if (options.durable) await syncDirectory(dirname(path));
    },
    discard,
  };
}

/**
 * Replaces `path` as a whole: writes a private temporary file, then renames it over `path`, so a
 * reader never sees half a file. With `durable`, the data and the rename are synced to disk.
 */
export async function writePrivateFileAtomically(
  path: string,
  data: Uint8Array | string,
  options: { durable?: boolean } = {},
): Promise<void> {
  await (await stagePrivateFile(path, data, options)).commit();
}

/** Makes a rename or a new file's name durable. Some platforms (Windows) cannot open a directory: nothing to do there. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(directory, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
