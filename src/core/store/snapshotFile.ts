/**
 * The database snapshot on disk: the SQLite image, gzip-compressed (SQLite pages of small
 * integers shrink about threefold, and gzip's CRC catches a damaged file). It is written with
 * stagePrivateFile (privateFiles.ts): temporary file, fsync, rename, fsync of the folder.
 */
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * The snapshot's name carries the writer lease's epoch it was written under, so a writer that
 * wakes from a freeze after losing its lease can only ever replace its own epoch's file, which
 * the newer writer's snapshot outranks. `history.db.gz` is epoch 0: a store without a lease (the
 * CLI, tests) and every history from before epochs.
 */
export const SNAPSHOT_FILE = 'history.db.gz';
const SNAPSHOT_NAME = /^history(?:\.e(\d+))?\.db\.gz$/;
/** Temporary files of a snapshot being written (see createPrivateTemporary). */
export const SNAPSHOT_TEMPORARY_NAME = /^\.history(?:\.e\d+)?\.db\.gz\.tmp-/;

export function snapshotName(epoch: number): string {
  return epoch === 0 ? SNAPSHOT_FILE : `history.e${epoch}.db.gz`;
}

/** The epoch of a snapshot's file name; undefined for any other file. */
export function parseSnapshotName(name: string): number | undefined {
  const match = SNAPSHOT_NAME.exec(name);
  return match ? Number(match[1] ?? 0) : undefined;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export class CorruptSnapshotError extends Error {}

/**
 * The largest database image a snapshot may hold. The store's budget for a year of 100 targets
 * checked every minute is 64 MB in memory (`npm run bench -- store`), and sql.js holds the whole
 * image in memory wherever it is opened, twice while a snapshot is written: a history 16 times
 * that budget would not fit an editor's memory beside everything else. Past this, a file is not
 * a history but a decompression bomb (gzip inflates up to about 1000 to 1), and is refused before
 * it fills memory. The writer never writes a snapshot it would refuse to read.
 */
export const MAX_SNAPSHOT_IMAGE_BYTES = 1024 * 1024 * 1024;

const TOO_LARGE = `larger than ${MAX_SNAPSHOT_IMAGE_BYTES / 1024 / 1024 / 1024} GiB, more than a history can be`;

/** Compression runs on the libuv thread pool, so the event loop keeps serving while it works. */
export async function encodeSnapshot(image: Uint8Array): Promise<Buffer> {
  // Thrown as a write error: the journal keeps every change, and the user is told.
  if (image.length > MAX_SNAPSHOT_IMAGE_BYTES) throw new Error(`The history cannot be saved as a snapshot: its database is ${TOO_LARGE}.`);
  return gzipAsync(image, { level: 3 });
}

/** Accepts the gzip form written by `encodeSnapshot` and a plain SQLite file. */
export async function decodeSnapshot(bytes: Buffer): Promise<Uint8Array> {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    let image: Buffer;
    try {
      image = await gunzipAsync(bytes, { maxOutputLength: MAX_SNAPSHOT_IMAGE_BYTES });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        throw new CorruptSnapshotError(`The snapshot holds a database ${TOO_LARGE}.`);
      throw new CorruptSnapshotError(`The snapshot does not decompress: ${(error as Error).message}`);
    }
    if (!image.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC))
      throw new CorruptSnapshotError('The snapshot is not an SQLite database.');
    return image;
  }
  if (bytes.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    if (bytes.length > MAX_SNAPSHOT_IMAGE_BYTES) throw new CorruptSnapshotError(`The snapshot holds a database ${TOO_LARGE}.`);
    return bytes;
  }
  throw new CorruptSnapshotError('The snapshot is neither gzip nor an SQLite database.');
}

/** `history.db.gz.corrupt-2026-11-24T10-15-00-000Z`: colons are not allowed in Windows names. */
export function asideName(path: string, now: number): string {
  return `${path}.corrupt-${new Date(now).toISOString().replace(/:/g, '-').replace('.', '-')}`;
}

/** Moves a damaged file out of the way, keeping it for a bug report; returns where it went. */
export async function moveAside(path: string, now: number): Promise<string> {
  let target = asideName(path, now);
  for (let n = 1; n < 100; n++) {
    try {
      await fs.access(target);
      target = `${asideName(path, now)}-${n}`;
    } catch {
      break;
    }
  }
  await fs.rename(path, target);
  return target;
}
