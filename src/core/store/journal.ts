/**
 * The append-only journal: every change, one line each, `<crc32 hex> <json>\n`, in segment files
 * named by the first sequence number they hold and the writer lease's epoch they were written
 * under. The database snapshot records the last sequence it contains, so replay skips what the
 * snapshot already has: a crash between writing a snapshot and deleting old segments replays
 * nothing twice.
 *
 * Epochs settle what a writer that lost its lease while frozen appended afterwards: once a writer
 * of a higher epoch has written (a segment, or a snapshot), lines of a lower epoch beyond the
 * point where the newer writer started are not replayed (`fenceLimit`). The newer writer numbers
 * its lines from the last one it could read when it took over, so both may use the same numbers.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { CheckRecord, StateChangeRecord, TargetInfo } from './checkRecord';
import { openPrivateExclusive, syncDirectory } from './privateFiles';

export type JournalEntry =
  { q: number; c: CheckRecord } | { q: number; s: StateChangeRecord } | { q: number; t: TargetInfo & { at: number } };

/** `journal-<first sequence>-e<epoch>-<attempt>.log`; names without an epoch are from before epochs (0). */
const SEGMENT_NAME = /^journal-(\d{16})-(?:e(\d+)-)?(\d+)\.log$/;

export function segmentName(firstSequence: number, epoch: number, attempt: number): string {
  return `journal-${String(firstSequence).padStart(16, '0')}-e${epoch}-${attempt}.log`;
}

export interface SegmentFile {
  name: string;
  path: string;
  firstSequence: number;
  /** The writer lease's epoch the segment was written under. */
  epoch: number;
}

/** Parses a segment's file name; undefined for any other file. */
export function parseSegmentName(directory: string, name: string): SegmentFile | undefined {
  const match = SEGMENT_NAME.exec(name);
  if (!match) return undefined;
  return { name, path: join(directory, name), firstSequence: Number(match[1]), epoch: Number(match[2] ?? 0) };
}

/** The journal segments in a directory, oldest first. */
export async function listSegments(directory: string): Promise<SegmentFile[]> {
  const segments: SegmentFile[] = [];
  for (const name of await fs.readdir(directory)) {
    const segment = parseSegmentName(directory, name);
    if (segment) segments.push(segment);
  }
  return segments.sort((a, b) => a.firstSequence - b.firstSequence || a.epoch - b.epoch || a.name.localeCompare(b.name));
}

/** Which epoch the newest snapshot was written under and the last sequence it holds. */
export interface SnapshotMark {
  epoch: number;
  sequence: number;
}

/**
 * The last sequence number that may be replayed from a file written under `epoch`: everything,
 * unless a writer of a higher epoch took over. That writer's first segment starts right after the
 * last line it could read, and its snapshot holds all it knew, so a lower epoch's lines past
 * either point were written after the takeover by a writer that no longer held the lease.
 */
export function fenceLimit(epoch: number, segments: readonly SegmentFile[], snapshot: SnapshotMark | undefined): number {
  let limit = Number.POSITIVE_INFINITY;
  for (const segment of segments) if (segment.epoch > epoch) limit = Math.min(limit, segment.firstSequence - 1);
  if (snapshot && snapshot.epoch > epoch) limit = Math.min(limit, snapshot.sequence);
  return limit;
}

export function encodeEntry(entry: JournalEntry): string {
  const json = JSON.stringify(entry);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

function decodeLine(line: string): JournalEntry | undefined {
  if (line.length < 10 || line[8] !== ' ') return undefined;
  const json = line.slice(9);
  if (crc32(json).toString(16).padStart(8, '0') !== line.slice(0, 8)) return undefined;
  try {
    const entry = JSON.parse(json) as JournalEntry;
    return typeof entry.q === 'number' ? entry : undefined;
  } catch {
    return undefined;
  }
}

export interface ParsedChunk {
  entries: JournalEntry[];
  /** Bytes up to and including the last complete line; the rest may still be being written. */
  consumedBytes: number;
  /** Complete lines that failed their checksum. */
  badLines: number;
  /** A bad line was followed by good ones: damage, not just a write cut short by a crash. */
  damagedInMiddle: boolean;
}

/** Parses the complete lines of a chunk; an incomplete last line is left for later. */
export function parseJournal(bytes: Buffer): ParsedChunk {
  const entries: JournalEntry[] = [];
  let badLines = 0;
  let badBeforeGood = false;
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(0x0a, start);
    if (end < 0) break;
    const entry = decodeLine(bytes.toString('utf8', start, end));
    if (entry) {
      if (badLines > 0) badBeforeGood = true;
      entries.push(entry);
    } else {
      badLines++;
    }
    start = end + 1;
  }
  return { entries, consumedBytes: start, badLines, damagedInMiddle: badBeforeGood };
}

export interface SegmentRead extends ParsedChunk {
  /** Bytes after the last newline: a line cut short by a crash. */
  tornBytes: number;
}

export async function readSegment(path: string): Promise<SegmentRead> {
  const bytes = await fs.readFile(path);
  const parsed = parseJournal(bytes);
  return { ...parsed, tornBytes: bytes.length - parsed.consumedBytes };
}

type QueueItem = { kind: 'line'; sequence: number; text: string } | { kind: 'rotate'; nextSequence: number };

/**
 * Writes journal lines in batches: `enqueue` is synchronous and cheap; `flush` writes what is
 * queued with one write and one fdatasync. After a write error the segment is abandoned (its tail
 * may be torn) and the next flush starts a new one with everything not yet confirmed, so nothing
 * queued is ever dropped by a failure.
 */
export class JournalWriter {
  private queue: QueueItem[] = [];
  private queuedLines = 0;
  private fd: fs.FileHandle | undefined;
  /** Segment new lines go to; its file is created on the first write. */
  private activeFirstSequence: number;
  private activePath: string | undefined;
  private flushing: Promise<void> | undefined;
  private durable: number;

  constructor(
    private readonly directory: string,
    firstSequence: number,
    /** The writer lease's epoch, carried in every segment's name. */
    private readonly epoch: number,
  ) {
    this.activeFirstSequence = firstSequence;
    this.durable = firstSequence - 1;
  }

  /** Every line up to this sequence number has been written and synced. */
  get durableSequence(): number {
    return this.durable;
  }

  get pendingLines(): number {
    return this.queuedLines;
  }

  /** First sequence of the segment being written: every older segment holds only smaller ones. */
  get activeSegmentFirstSequence(): number {
    return this.activeFirstSequence;
  }

  enqueue(sequence: number, text: string): void {
    this.queue.push({ kind: 'line', sequence, text });
    this.queuedLines++;
  }

  /** Lines enqueued from now on go to a new segment starting at `nextSequence`. */
  startNewSegment(nextSequence: number): void {
    this.queue.push({ kind: 'rotate', nextSequence });
  }

  /** Forgets queued lines (they are in memory and will be in the next snapshot). */
  dropQueued(nextSequence: number): void {
    this.queue = [];
    this.queuedLines = 0;
    this.startNewSegment(nextSequence);
  }

  flush(): Promise<void> {
    // One flush at a time; a caller arriving during a flush waits for it and then for its own.
    const run = (this.flushing ?? Promise.resolve()).then(() => this.writeQueued());
    const tracked = run.finally(() => {
      if (this.flushing === tracked) this.flushing = undefined;
    });
    this.flushing = tracked.catch(() => undefined);
    return tracked;
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const first = this.queue[0]!;
      if (first.kind === 'rotate') {
        await this.closeActive();
        this.activeFirstSequence = first.nextSequence;
        this.activePath = undefined;
        this.queue.shift();
        continue;
      }
      let count = 0;
      let text = '';
      let lastSequence = this.durable;
      for (const item of this.queue) {
        if (item.kind !== 'line') break;
        text += item.text;
        lastSequence = item.sequence;
        count++;
      }
      try {
        const handle = await this.openActive(first.sequence);
        const bytes = Buffer.from(text, 'utf8');
        let offset = 0;
        while (offset < bytes.length) {
          const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
          offset += bytesWritten;
        }
        await handle.datasync();
      } catch (error) {
        // The segment may now end in a torn line: never append after it. The next attempt opens
        // a new segment holding every line not yet confirmed.
        await this.closeActive();
        this.activePath = undefined;
        this.activeFirstSequence = first.sequence;
        throw error;
      }
      this.queue.splice(0, count);
      this.queuedLines -= count;
      this.durable = Math.max(this.durable, lastSequence);
    }
  }

  private async openActive(firstLineSequence: number): Promise<fs.FileHandle> {
    if (this.fd) return this.fd;
    if (this.activeFirstSequence > firstLineSequence) this.activeFirstSequence = firstLineSequence;
    for (let attempt = 0; attempt < 1000; attempt++) {
      const path = join(this.directory, segmentName(this.activeFirstSequence, this.epoch, attempt));
      try {
        this.fd = await openPrivateExclusive(path);
        // The new segment's name must survive a power cut as its lines do.
        await syncDirectory(this.directory);
        this.activePath = path;
        return this.fd;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    throw new Error(`Could not create a new journal segment in ${this.directory}.`);
  }

  private async closeActive(): Promise<void> {
    const handle = this.fd;
    this.fd = undefined;
    if (handle) await handle.close().catch(() => undefined);
  }

  /**
   * Deletes segments older than the active one, once a snapshot holds everything up to `sequence`;
   * never one of a higher epoch, which belongs to a writer that took over from this one.
   */
  async deleteSegmentsCoveredBy(sequence: number): Promise<void> {
    if (this.activeFirstSequence > sequence + 1) return;
    for (const segment of await listSegments(this.directory)) {
      if (segment.path === this.activePath || segment.epoch > this.epoch) continue;
      if (segment.firstSequence >= this.activeFirstSequence) continue;
      await fs.rm(segment.path, { force: true });
    }
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.closeActive();
  }
}
