/**
 * The history's files as both the writer and a read-only follower find them: one listing of the
 * snapshots and journal segments in the folder, and reads that ride out errors that pass on their
 * own. Nothing here writes.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { parseSegmentName, type SegmentFile } from './journal';
import { parseSnapshotName } from './snapshotFile';

/** Read errors that pass on their own; the snapshot is read again after 0.1, 0.2, 0.4, 0.8 and 1.6 s. */
const TRANSIENT_READ_ERRORS = new Set(['EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'EINTR', 'EIO', 'ETIMEDOUT']);
const READ_RETRIES = 5;

/** Which snapshot file was read, to tell later whether the writer replaced it. */
export interface SnapshotIdentity {
  name: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

export interface SnapshotFile {
  name: string;
  path: string;
  epoch: number;
}

/** The snapshot and journal files in the store's folder, as one directory listing saw them. */
export interface HistoryFiles {
  /** The snapshot of the highest epoch: the newest writer's. */
  snapshot: SnapshotFile | undefined;
  /** Snapshots of lower epochs, outranked by `snapshot`. */
  outranked: SnapshotFile[];
  /** Oldest first. */
  segments: SegmentFile[];
  /** The highest epoch any file carries. */
  maxEpoch: number;
}

export async function listHistoryFiles(directory: string): Promise<HistoryFiles> {
  let names: string[];
  try {
    names = await withReadRetries(() => fs.readdir(directory));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    names = [];
  }
  const snapshots: SnapshotFile[] = [];
  const segments: SegmentFile[] = [];
  for (const name of names) {
    const epoch = parseSnapshotName(name);
    if (epoch !== undefined) snapshots.push({ name, path: join(directory, name), epoch });
    const segment = parseSegmentName(directory, name);
    if (segment) segments.push(segment);
  }
  snapshots.sort((a, b) => b.epoch - a.epoch);
  segments.sort((a, b) => a.firstSequence - b.firstSequence || a.epoch - b.epoch || a.name.localeCompare(b.name));
  const maxEpoch = Math.max(0, ...snapshots.map((snapshot) => snapshot.epoch), ...segments.map((segment) => segment.epoch));
  return { snapshot: snapshots[0], outranked: snapshots.slice(1), segments, maxEpoch };
}

/**
 * Runs a read, retrying errors that pass on their own (too many open files, a busy or briefly
 * failing disk) for about three seconds before giving up.
 */
export async function withReadRetries<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (!TRANSIENT_READ_ERRORS.has(code) || attempt >= READ_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

/** The bytes of a file from `offset` to its current end (a journal segment the writer is appending to). */
export async function readFrom(path: string, offset: number): Promise<Buffer> {
  const handle = await fs.open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size <= offset) return Buffer.alloc(0);
    const buffer = Buffer.alloc(size - offset);
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer.subarray(0, read);
  } finally {
    await handle.close();
  }
}
