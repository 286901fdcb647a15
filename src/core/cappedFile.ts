/**
 * Reads a file whose path someone else may have chosen (a target's `ca`, a repository's settings
 * file in Restricted Mode) without trusting what is at that path. A size limit checked with stat
 * is not enough on its own: a device (`/dev/zero`, reached directly or through a symlink) reports
 * size 0 and never ends, and opening a FIFO for reading waits for a writer forever, holding one of
 * libuv's four file-system threads. So only a regular file is read: it is checked by stat before
 * the open (opening some devices has effects), opened without blocking (a FIFO that replaced it
 * in between opens at once), checked again on the open handle, and read up to the limit only.
 */
import { constants, promises as fs, type Stats } from 'node:fs';

/** The path leads to something that is not a regular file, or to one larger than the limit. */
export class UnsuitableFileError extends Error {}

const READ_CHUNK_BYTES = 64 * 1024;

/** O_NONBLOCK is 0 on Windows, which has no FIFOs at a file path. */
const OPEN_WITHOUT_WAITING = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function checkRegular(stat: Stats, maxBytes: number): void {
  if (!stat.isFile()) throw new UnsuitableFileError('it is not a regular file');
  if (stat.size > maxBytes) throw new UnsuitableFileError(`it is larger than ${maxBytes} bytes`);
}

/**
 * The whole content of the regular file at `path` (symlinks followed), if it holds at most
 * `maxBytes`. Throws UnsuitableFileError for anything else at the path, and the file system's own
 * error (ENOENT, EACCES) when it cannot be opened.
 */
export async function readCappedRegularFile(path: string, maxBytes: number): Promise<{ data: Buffer; stat: Stats }> {
  checkRegular(await fs.stat(path), maxBytes);
  const handle = await fs.open(path, OPEN_WITHOUT_WAITING);
  try {
    const stat = await handle.stat();
    checkRegular(stat, maxBytes);
    // Read one byte past the limit, so a file that grew since the stat is noticed, not cut short.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(READ_CHUNK_BYTES, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new UnsuitableFileError(`it is larger than ${maxBytes} bytes`);
    }
    return { data: Buffer.concat(chunks, total), stat };
  } finally {
    await handle.close();
  }
}
