/**
 * The history store on sql.js: the database lives in memory, every change goes to an append-only
 * journal flushed at least every second, and a compressed snapshot of the whole database is
 * written atomically every few minutes and at shutdown, after which the journal segments it
 * covers are deleted. Opening loads the snapshot and replays the journal; a kill -9 at any moment
 * loses at most the last flush period.
 *
 * Opened read-only (another window holds the writer lease), it reads the same files without ever
 * writing, and picks up the writer's changes as they reach the journal.
 *
 * With a lease, the store writes under the lease's epoch (a fencing token): its snapshot and its
 * journal segments carry the epoch in their names, a snapshot replaces a file and old files are
 * deleted only inside `lease.whileCurrent`, and a flush counts as durable only when the lease
 * still names this writer afterwards. A writer that took over from one that did not release the
 * lease snapshots before it records anything, so its epoch outranks whatever the old one, waking
 * from a freeze, may still write; replay leaves such late lines out (`fenceLimit`, journal.ts).
 */
import { type FSWatcher, promises as fs, watch } from 'node:fs';
import { join } from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import { type Event, Emitter } from '../events';
import type { CheckRecord, StateChangeRecord, TargetInfo } from './checkRecord';
import { CorruptDatabaseError, HistoryDatabase } from './historyDatabase';
import { NewerSchemaError } from './schema';
import {
  DEFAULT_RETENTION,
  type AnomalyHit,
  type ExportFormat,
  type HistoryStore,
  type Incident,
  type LatencyStats,
  type RetentionPolicy,
  type Series,
  type SeriesRequest,
  type StoredTarget,
  type StoreProblem,
  type StoreStatus,
  type TimeRange,
} from './historyStore';
import {
  encodeEntry,
  fenceLimit,
  type JournalEntry,
  JournalWriter,
  parseJournal,
  parseSegmentName,
  readSegment,
  type SegmentFile,
  type SnapshotMark,
} from './journal';
import { ensurePrivateDirectory, stagePrivateFile } from './privateFiles';
import {
  CorruptSnapshotError,
  decodeSnapshot,
  encodeSnapshot,
  moveAside,
  parseSnapshotName,
  SNAPSHOT_FILE,
  SNAPSHOT_TEMPORARY_NAME,
  snapshotName,
} from './snapshotFile';
import { loadSqlJs } from './sqlJsLoader';

export { SNAPSHOT_FILE } from './snapshotFile';

/** What the store needs of the writer lease (coordination/writerLease.ts). */
export interface StoreLease {
  readonly isWriter: boolean;
  readonly epoch: number;
  readonly tookOver: boolean;
  whileCurrent(epoch: number, task: () => Promise<void>): Promise<boolean>;
  isCurrent(epoch: number): Promise<boolean>;
  advanceEpochPast(floor: number): Promise<number>;
}

export interface SqlJsHistoryStoreOptions {
  /** The folder that holds the snapshot and the journal (the extension's global storage). */
  directory: string;
  retention?: Partial<RetentionPolicy>;
  /** Where `sql-wasm.wasm` is; by default the one in node_modules (tests, CLI from sources). */
  wasmPath?: string;
  /** Told once per problem; the store keeps working in every case. */
  onProblem?: (problem: StoreProblem) => void;
  /** Read the files another process writes; never write. */
  readOnly?: boolean;
  /** How often queued changes are written and synced (default 500 ms). */
  flushIntervalMs?: number;
  /** How often the whole database is written (default 5 minutes). */
  snapshotIntervalMs?: number;
  /** How often old data is deleted (default 1 hour; first run 1 minute after opening). */
  retentionIntervalMs?: number;
  /** Read-only: how often to look for new data when no file event came (default 2 s). */
  refreshIntervalMs?: number;
  /** While given and not the writer under the epoch the store opened with, nothing is written. */
  lease?: StoreLease;
  /** Changes kept in memory while the disk fails, before they wait for the next snapshot instead. */
  maxPendingWrites?: number;
  now?: () => number;
}

const FIRST_RETENTION_DELAY_MS = 60_000;
/** Read errors that pass on their own; the snapshot is read again after 0.1, 0.2, 0.4, 0.8 and 1.6 s. */
const TRANSIENT_READ_ERRORS = new Set(['EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'EINTR', 'EIO', 'ETIMEDOUT']);
const READ_RETRIES = 5;
/** A temporary snapshot older than this was left by a crash; writing one takes seconds. */
const LEFTOVER_TEMPORARY_AGE_MS = 10 * 60_000;
const MAX_WRITE_BACKOFF_MS = 60_000;

interface SnapshotIdentity {
  name: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

interface SnapshotFile {
  name: string;
  path: string;
  epoch: number;
}

/** The snapshot and journal files in the store's folder, as one directory listing saw them. */
interface HistoryFiles {
  /** The snapshot of the highest epoch: the newest writer's. */
  snapshot: SnapshotFile | undefined;
  /** Snapshots of lower epochs, outranked by `snapshot`. */
  outranked: SnapshotFile[];
  /** Oldest first. */
  segments: SegmentFile[];
  /** The highest epoch any file carries. */
  maxEpoch: number;
}

async function listHistoryFiles(directory: string): Promise<HistoryFiles> {
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

export class SqlJsHistoryStore implements HistoryStore {
  private readonly changeEmitter = new Emitter<void>();
  readonly onDidChange: Event<void> = this.changeEmitter.event;

  private db!: HistoryDatabase;
  private journal: JournalWriter | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private watcher: FSWatcher | undefined;
  private refreshDebounce: NodeJS.Timeout | undefined;
  private disposed = false;
  private packing: Promise<void> = Promise.resolve();

  private snapshotSequence = 0;
  /** The lease epoch this store writes under (with no lease, the highest found on disk). */
  private epoch = 0;
  /** With a lease: the last sequence flushed while the lease still named this writer. */
  private confirmedDurable = 0;
  private lastSnapshotAt: number | null = null;
  private snapshotInFlight: Promise<void> | undefined;
  private needsSnapshot = false;
  /** Set when queued lines were dropped for memory: durable only once a snapshot covers them. */
  private droppedRange: { from: number; through: number } | undefined;

  private writeError: string | null = null;
  private retryAt = 0;
  private backoffMs = 1000;

  // Read-only bookkeeping: which snapshot is loaded and how far each segment was read.
  private loadedSnapshot: SnapshotIdentity | undefined;
  /** The loaded snapshot's epoch and last sequence, and the highest epoch seen when loading. */
  private loadedMark: SnapshotMark | undefined;
  private loadedMaxEpoch = 0;
  private readonly segmentOffsets = new Map<string, number>();
  private refreshing: Promise<void> | undefined;
  private readonly reportedFiles = new Set<string>();

  private readonly retention: RetentionPolicy;
  private readonly now: () => number;
  /** The snapshot being read or written, named for messages. */
  private snapshotPath: string;

  private constructor(
    private readonly sql: SqlJsStatic,
    private readonly options: SqlJsHistoryStoreOptions,
  ) {
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.now = options.now ?? Date.now;
    this.snapshotPath = join(options.directory, SNAPSHOT_FILE);
  }

  static async open(options: SqlJsHistoryStoreOptions): Promise<SqlJsHistoryStore> {
    if (!options.readOnly) await ensurePrivateDirectory(options.directory);
    const store = new SqlJsHistoryStore(await loadSqlJs(options.wasmPath), options);
    await store.load();
    store.start();
    return store;
  }

  get readOnly(): boolean {
    return this.options.readOnly === true;
  }

  // ---- Loading ---------------------------------------------------------------------------------

  private async load(): Promise<void> {
    // A read-only view may race the writer replacing the snapshot and deleting the segments it
    // covers; a gap in the sequence numbers shows it, and a second read sees the new snapshot.
    // A writer taking over from a frozen one can race it the same way.
    for (let attempt = 0; ; attempt++) {
      const { db, gap } = await this.loadOnce();
      if (!gap || attempt >= 3) {
        this.db?.close();
        this.db = db;
        break;
      }
      db.close();
    }
    if (!this.readOnly) {
      await this.removeLeftoverTemporaries();
      this.epoch = await this.writerEpoch();
      this.snapshotSequence = this.db.lastSequence;
      this.confirmedDurable = this.db.lastSequence;
      this.journal = new JournalWriter(this.options.directory, this.db.lastSequence + 1, this.epoch);
      if (this.needsSnapshot) await this.snapshot().catch(() => undefined);
    }
    this.packing = this.packInSteps(this.db);
  }

  /** Resolves once the spans that were over when the history was loaded are packed. */
  whenPacked(): Promise<void> {
    return this.packing;
  }

  /**
   * Packs the spans that are over, a batch per turn of the event loop: a history from an older
   * version holds a week of checks as plain rows, and packing it at once would hold the extension
   * host for seconds. Bounded in steps; stops when this database is closed or replaced.
   */
  private async packInSteps(db: HistoryDatabase): Promise<void> {
    for (let step = 0; step < 10_000; step++) {
      if (this.disposed || this.db !== db) return;
      try {
        if (db.sealSpans() === 0) return;
      } catch {
        // Packing is an economy of memory: the rows stay as they are, and the next snapshot tries again.
        return;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * The lease's epoch, raised past any epoch already on disk (the lease file was deleted or
   * restored from a backup); without a lease, the highest epoch on disk. After a takeover, or
   * when the files had outrun the lease, the first snapshot is written before anything else.
   */
  private async writerEpoch(): Promise<number> {
    const lease = this.options.lease;
    if (!lease) return this.loadedMaxEpoch;
    if (lease.tookOver) this.needsSnapshot = true;
    if (lease.epoch > this.loadedMaxEpoch) return lease.epoch;
    this.needsSnapshot = true;
    return lease.advanceEpochPast(this.loadedMaxEpoch);
  }

  /**
   * Removes temporary snapshots a crash left behind (a full database each). Only old ones: a
   * temporary file being written right now belongs to a snapshot under way.
   */
  private async removeLeftoverTemporaries(): Promise<void> {
    const names = await fs.readdir(this.options.directory).catch(() => [] as string[]);
    for (const name of names.filter((candidate) => SNAPSHOT_TEMPORARY_NAME.test(candidate))) {
      const path = join(this.options.directory, name);
      const stat = await fs.lstat(path).catch(() => undefined);
      if (stat?.isFile() && Date.now() - stat.mtimeMs > LEFTOVER_TEMPORARY_AGE_MS)
        await fs.rm(path, { force: true }).catch(() => undefined);
    }
  }

  private async loadOnce(): Promise<{ db: HistoryDatabase; gap: boolean }> {
    this.segmentOffsets.clear();
    const files = await listHistoryFiles(this.options.directory);
    const db = await this.openSnapshot(files.snapshot);
    const snapshotSequence = db.lastSequence;
    this.loadedMark = files.snapshot && this.loadedSnapshot ? { epoch: files.snapshot.epoch, sequence: snapshotSequence } : undefined;
    this.loadedMaxEpoch = files.maxEpoch;
    const { segments } = files;
    let firstApplied: number | undefined;
    for (const segment of segments) {
      let read;
      try {
        read = await withReadRetries(() => readSegment(segment.path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      const limit = fenceLimit(segment.epoch, segments, this.loadedMark);
      const fresh = read.entries.filter((entry) => entry.q > db.lastSequence && entry.q <= limit);
      if (fresh.length > 0) {
        firstApplied ??= fresh[0]!.q;
        db.applyEntries(fresh);
      }
      this.segmentOffsets.set(segment.name, read.consumedBytes);
      if (read.damagedInMiddle) await this.handleDamagedSegment(segment.path, read.badLines);
    }
    const gap = firstApplied !== undefined && firstApplied > snapshotSequence + 1;
    return { db, gap };
  }

  private async openSnapshot(file: SnapshotFile | undefined): Promise<HistoryDatabase> {
    let bytes: Buffer | undefined;
    let identity: SnapshotIdentity | undefined;
    this.snapshotPath = file?.path ?? join(this.options.directory, SNAPSHOT_FILE);
    try {
      if (file) ({ bytes, identity } = await this.readSnapshotFile(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        // A file that cannot be read is not a damaged file: it is never moved aside or replaced.
        throw this.unreadable(
          `The history database ${this.snapshotPath} cannot be read (${(error as Error).message}). It was left as it is; ${this.readOnly ? 'the history shows again once it can be read' : 'checks go on without being recorded until the window reloads'}.`,
        );
      }
    }
    this.loadedSnapshot = identity;
    if (!bytes) return HistoryDatabase.open(this.sql, undefined, this.retention, this.now);
    try {
      const image = await decodeSnapshot(bytes);
      // A damaged pack is one span of one target: it is left out and said once, the rest is used.
      const snapshotPath = this.snapshotPath;
      return HistoryDatabase.open(this.sql, image, this.retention, this.now, (message) =>
        this.report({ kind: 'corrupt-file', file: snapshotPath, movedTo: null, message }),
      );
    } catch (error) {
      if (error instanceof NewerSchemaError) {
        throw this.unreadable(
          `${error.message} The file was left as it is; ${this.readOnly ? 'this window shows no history' : 'checks in this window go on without being recorded'}.`,
        );
      }
      const damaged = error instanceof CorruptSnapshotError || error instanceof CorruptDatabaseError;
      const reason = damaged ? (error as Error).message : `It cannot be used: ${(error as Error).message}`;
      return this.startFresh(`The history database ${this.snapshotPath} is damaged. ${reason}`);
    }
  }

  private async readSnapshotFile(file: SnapshotFile): Promise<{ bytes: Buffer; identity: SnapshotIdentity }> {
    return withReadRetries(async () => {
      const stat = await fs.stat(file.path);
      const bytes = await fs.readFile(file.path);
      return { bytes, identity: { name: file.name, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino } };
    });
  }

  /** Reports a file that cannot be used now, once, and returns the error that stops opening it. */
  private unreadable(message: string): Error {
    if (!this.reportedFiles.has(this.snapshotPath)) {
      this.reportedFiles.add(this.snapshotPath);
      this.report({ kind: 'unreadable', file: this.snapshotPath, message });
    }
    return new Error(message);
  }

  /** Keeps a damaged snapshot aside (writer only) and starts an empty database. */
  private async startFresh(message: string): Promise<HistoryDatabase> {
    if (this.readOnly) {
      this.reportCorruptOnce(this.snapshotPath, null, `${message} Showing an empty history until the recording window replaces it.`);
    } else {
      let movedTo: string | null = null;
      try {
        movedTo = await moveAside(this.snapshotPath, this.now());
      } catch {
        // Could not move it: the next snapshot replaces it anyway.
      }
      this.reportCorruptOnce(
        this.snapshotPath,
        movedTo,
        `${message} ${movedTo ? `It was kept as ${movedTo}` : 'It could not be moved aside'}; history starts again from the journal, and monitoring goes on.`,
      );
      this.needsSnapshot = true;
    }
    this.loadedSnapshot = undefined;
    return HistoryDatabase.open(this.sql, undefined, this.retention, this.now);
  }

  private async handleDamagedSegment(path: string, badLines: number): Promise<void> {
    if (this.readOnly) return;
    let movedTo: string | null = null;
    try {
      movedTo = await moveAside(path, this.now());
    } catch {
      // Left in place: its readable lines were applied and the next snapshot makes it obsolete.
    }
    this.reportCorruptOnce(
      path,
      movedTo,
      `The history journal ${path} had ${badLines} damaged line(s); the readable checks were kept${movedTo ? ` and the file was moved to ${movedTo}` : ''}. Monitoring goes on.`,
    );
    this.needsSnapshot = true;
  }

  private reportCorruptOnce(file: string, movedTo: string | null, message: string): void {
    if (this.reportedFiles.has(file)) return;
    this.reportedFiles.add(file);
    this.report({ kind: 'corrupt-file', file, movedTo, message });
  }

  private report(problem: StoreProblem): void {
    try {
      this.options.onProblem?.(problem);
    } catch {
      // A failing host callback must not stop the store.
    }
  }

  private start(): void {
    const every = (ms: number, task: () => void): void => {
      const timer = setInterval(task, ms);
      // The store never keeps a process alive on its own: the host's scheduler does.
      timer.unref();
      this.timers.push(timer);
    };
    if (this.readOnly) {
      every(this.options.refreshIntervalMs ?? 2000, () => void this.refresh());
      try {
        this.watcher = watch(this.options.directory, () => this.scheduleRefresh());
        this.watcher.on('error', () => this.watcher?.close());
      } catch {
        // No file events on this file system: the periodic refresh is enough.
      }
      return;
    }
    every(this.options.flushIntervalMs ?? 500, () => void this.flushQuietly());
    every(this.options.snapshotIntervalMs ?? 300_000, () => void this.snapshot().catch(() => undefined));
    const retentionEvery = this.options.retentionIntervalMs ?? 3_600_000;
    const first = setTimeout(
      () => {
        void this.runMaintenance().catch(() => undefined);
        every(retentionEvery, () => void this.runMaintenance().catch(() => undefined));
      },
      Math.min(FIRST_RETENTION_DELAY_MS, retentionEvery),
    );
    first.unref();
    this.timers.push(first);
  }

  // ---- Writing ---------------------------------------------------------------------------------

  private assertWritable(): JournalWriter {
    if (this.disposed) throw new Error('The history store is closed; nothing more can be recorded.');
    if (!this.journal) throw new Error('This window shows the history read-only: another window records it.');
    return this.journal;
  }

  private record(build: (sequence: number) => JournalEntry): void {
    const journal = this.assertWritable();
    const entry = build(this.db.lastSequence + 1);
    this.db.apply(entry);
    journal.enqueue(entry.q, encodeEntry(entry));
    const limit = this.options.maxPendingWrites ?? 100_000;
    if (journal.pendingLines > limit) {
      // The disk has been failing for a long time: stop growing the queue. Everything is still
      // in memory and the next successful snapshot writes it all.
      const through = this.db.lastSequence;
      const from = this.droppedRange?.from ?? journal.durableSequence + 1;
      this.droppedRange = { from, through };
      journal.dropQueued(through + 1);
      this.needsSnapshot = true;
    }
  }

  append(record: CheckRecord): void {
    this.record((q) => ({ q, c: record }));
  }

  recordStateChange(change: StateChangeRecord): void {
    this.record((q) => ({ q, s: change }));
  }

  upsertTarget(target: TargetInfo): void {
    this.record((q) => ({ q, t: { id: target.id, url: target.url, name: target.name, at: this.now() } }));
  }

  /** No lease, or the lease is still this store's, under the epoch it opened with. */
  private get holdsLease(): boolean {
    const lease = this.options.lease;
    return !lease || (lease.isWriter && lease.epoch === this.epoch);
  }

  private get mayWrite(): boolean {
    return !this.disposed && this.journal !== undefined && this.holdsLease;
  }

  async flush(): Promise<void> {
    const journal = this.assertWritable();
    if (!this.holdsLease) throw new Error('Another window took over recording the history; this one no longer writes.');
    await this.writeJournal(journal, true);
  }

  private async flushQuietly(): Promise<void> {
    if (!this.mayWrite || this.now() < this.retryAt) return;
    await this.writeJournal(this.journal!, false).catch(() => undefined);
  }

  private async writeJournal(journal: JournalWriter, rethrow: boolean): Promise<void> {
    const before = journal.durableSequence;
    try {
      await journal.flush();
    } catch (error) {
      this.writeFailed(error);
      if (rethrow) throw error;
      return;
    }
    this.writeSucceeded();
    if (journal.durableSequence > before) await this.confirmDurable(journal.durableSequence);
    if (this.needsSnapshot && this.droppedRange) await this.snapshot().catch(() => undefined);
    if (journal.durableSequence > before) this.changeEmitter.fire();
  }

  /**
   * Lines on disk count as durable once the lease still names this writer after they were
   * synced: a writer taking over afterwards reads them. Lines synced after a takeover are left
   * out of the history by the new writer, so they are not reported durable.
   */
  private async confirmDurable(sequence: number): Promise<void> {
    if (await this.stillHoldsLease()) this.confirmedDurable = Math.max(this.confirmedDurable, sequence);
  }

  /** Whether the lease file still names this store's writer and epoch (always, with no lease). */
  private async stillHoldsLease(): Promise<boolean> {
    const lease = this.options.lease;
    return !lease || (await lease.isCurrent(this.epoch).catch(() => false));
  }

  /**
   * Runs a replace or a delete of shared files only while this store's epoch is still the
   * lease's. Returns false when it did not run: the lease was lost (the store stops writing) or
   * its lock stayed busy (the next snapshot tries again).
   */
  private async whileLeaseCurrent(task: () => Promise<void>): Promise<boolean> {
    const lease = this.options.lease;
    if (!lease) {
      await task();
      return true;
    }
    if (await lease.whileCurrent(this.epoch, task)) return true;
    this.needsSnapshot = true;
    return false;
  }

  private writeFailed(error: unknown): void {
    const code = (error as NodeJS.ErrnoException).code ?? null;
    const detail = (error as Error).message;
    this.retryAt = this.now() + this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_WRITE_BACKOFF_MS);
    if (this.writeError !== null) return;
    this.writeError = detail;
    const why =
      code === 'ENOSPC'
        ? 'the disk is full'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission was denied'
          : code === 'EROFS'
            ? 'the disk is read-only'
            : 'of an error';
    this.report({
      kind: 'write-failed',
      code,
      message: `Monitoring history cannot be saved because ${why} (${detail}) in ${this.options.directory}. Checks go on and are kept in memory; saving is retried until it works. Free some space or fix the folder's permissions.`,
    });
  }

  private writeSucceeded(): void {
    this.retryAt = 0;
    this.backoffMs = 1000;
    if (this.writeError === null) return;
    this.writeError = null;
    this.report({
      kind: 'write-recovered',
      message: 'Monitoring history is being saved again; nothing recorded in the meantime was lost.',
    });
  }

  /**
   * Writes the whole database atomically, then deletes the journal segments it covers. Only ever
   * one at a time; a failure leaves the journal as it was.
   */
  snapshot(): Promise<void> {
    if (!this.mayWrite) return Promise.resolve();
    this.snapshotInFlight ??= this.writeSnapshot().finally(() => {
      this.snapshotInFlight = undefined;
    });
    return this.snapshotInFlight;
  }

  private async writeSnapshot(): Promise<void> {
    const journal = this.journal!;
    const { image, sequence } = this.db.exportImage();
    // Lines from now on go to a new segment; everything older is in this image.
    journal.startNewSegment(sequence + 1);
    const path = join(this.options.directory, snapshotName(this.epoch));
    try {
      const staged = await stagePrivateFile(path, await encodeSnapshot(image), { durable: true });
      if (!(await this.whileLeaseCurrent(() => staged.commit()))) {
        await staged.discard();
        return;
      }
    } catch (error) {
      this.writeFailed(error);
      throw error;
    }
    // Frozen between the check and the rename, this writer may have been replaced meanwhile: its
    // file is then outranked by the new writer's, and what only it held is not durable.
    if (!(await this.stillHoldsLease())) return;
    this.snapshotPath = path;
    this.snapshotSequence = Math.max(this.snapshotSequence, sequence);
    this.lastSnapshotAt = this.now();
    if (this.droppedRange && this.droppedRange.through <= sequence) this.droppedRange = undefined;
    this.needsSnapshot = this.droppedRange !== undefined;
    this.writeSucceeded();
    try {
      await journal.flush();
      await this.whileLeaseCurrent(async () => {
        await journal.deleteSegmentsCoveredBy(sequence);
        await this.deleteOutrankedSnapshots();
      });
    } catch (error) {
      this.writeFailed(error);
    }
  }

  /** Deletes snapshots of lower epochs than this store's, now that its own is on disk. */
  private async deleteOutrankedSnapshots(): Promise<void> {
    const { outranked } = await listHistoryFiles(this.options.directory);
    for (const file of outranked) if (file.epoch < this.epoch) await fs.rm(file.path, { force: true });
  }

  /** Deletes data older than the retention policy, then saves a snapshot. */
  async runMaintenance(): Promise<void> {
    if (!this.mayWrite) return;
    this.db.applyRetention();
    await this.snapshot();
  }

  // ---- Read-only refresh -----------------------------------------------------------------------

  private scheduleRefresh(): void {
    if (this.refreshDebounce || this.disposed) return;
    this.refreshDebounce = setTimeout(() => {
      this.refreshDebounce = undefined;
      void this.refresh();
    }, 100);
    this.refreshDebounce.unref();
  }

  /** Read-only: applies what the writer added since the last look (or reloads a new snapshot). */
  refresh(): Promise<void> {
    if (!this.readOnly || this.disposed) return Promise.resolve();
    this.refreshing ??= this.refreshOnce()
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    const before = this.db.lastSequence;
    let files: HistoryFiles;
    try {
      files = await listHistoryFiles(this.options.directory);
    } catch {
      return;
    }
    let stat: SnapshotIdentity | undefined;
    if (files.snapshot) {
      try {
        const s = await fs.stat(files.snapshot.path);
        stat = { name: files.snapshot.name, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
      } catch {
        stat = undefined;
      }
    }
    const loaded = this.loadedSnapshot;
    const snapshotChanged =
      stat !== undefined &&
      (!loaded || loaded.name !== stat.name || loaded.ino !== stat.ino || loaded.size !== stat.size || loaded.mtimeMs !== stat.mtimeMs);
    if (snapshotChanged) {
      await this.load();
    } else {
      if (await this.readNewJournalLines(files.segments)) await this.load();
    }
    if (!this.disposed && this.db.lastSequence !== before) this.changeEmitter.fire();
  }

  /**
   * Returns true when what was read must be read again from the start: lines are missing (the
   * writer replaced the snapshot meanwhile), or a writer of a higher epoch took over at a point
   * this view has already read past, so some lines it applied were the old writer's late ones.
   */
  private async readNewJournalLines(segments: SegmentFile[]): Promise<boolean> {
    if (segments.some((segment) => segment.epoch > this.loadedMaxEpoch && segment.firstSequence <= this.db.lastSequence)) return true;
    this.loadedMaxEpoch = Math.max(this.loadedMaxEpoch, ...segments.map((segment) => segment.epoch));
    const present = new Set(segments.map((segment) => segment.name));
    for (const name of this.segmentOffsets.keys()) if (!present.has(name)) this.segmentOffsets.delete(name);
    for (const segment of segments) {
      const offset = this.segmentOffsets.get(segment.name) ?? 0;
      let chunk: Buffer;
      try {
        chunk = await readFrom(segment.path, offset);
      } catch {
        continue;
      }
      if (chunk.length === 0) continue;
      const parsed = parseJournal(chunk);
      this.segmentOffsets.set(segment.name, offset + parsed.consumedBytes);
      const limit = fenceLimit(segment.epoch, segments, this.loadedMark);
      const fresh = parsed.entries.filter((entry) => entry.q > this.db.lastSequence && entry.q <= limit);
      if (fresh.length === 0) continue;
      if (fresh[0]!.q > this.db.lastSequence + 1) return true;
      this.db.applyEntries(fresh);
    }
    return false;
  }

  // ---- Queries ---------------------------------------------------------------------------------

  latest(targetId: string): CheckRecord | undefined {
    return this.db.latest(targetId);
  }

  latestAll(): CheckRecord[] {
    return this.db.latestAll();
  }

  targets(): StoredTarget[] {
    return this.db.targets();
  }

  uptime(targetId: string, sinceMs: number, untilMs: number): number | null {
    return this.db.uptime(targetId, sinceMs, untilMs);
  }

  latencyStats(targetId: string, range: TimeRange): LatencyStats {
    return this.db.latencyStats(targetId, range);
  }

  series(targetId: string, request: SeriesRequest): Series {
    return this.db.series(targetId, request);
  }

  incidents(targetId: string | undefined, range: TimeRange): Incident[] {
    return this.db.incidents(targetId, range);
  }

  anomalies(range: TimeRange, minScore: number, limit?: number): AnomalyHit[] {
    return this.db.anomalies(range, minScore, limit);
  }

  exportRange(targetIds: readonly string[] | undefined, range: TimeRange, format: ExportFormat): string {
    return this.db.exportRange(targetIds, range, format);
  }

  status(): StoreStatus {
    const journalDurable = this.options.lease ? this.confirmedDurable : this.journal?.durableSequence;
    let durable = this.journal ? Math.max(journalDurable ?? 0, this.snapshotSequence) : this.db.lastSequence;
    if (this.droppedRange) durable = Math.min(durable, Math.max(this.snapshotSequence, this.droppedRange.from - 1));
    return {
      readOnly: this.readOnly,
      lastSequence: this.db.lastSequence,
      durableSequence: durable,
      pendingWrites: this.journal?.pendingLines ?? 0,
      writeError: this.writeError,
      lastSnapshotAt: this.lastSnapshotAt,
    };
  }

  /** Stops the timers, writes a final snapshot (the writer), and releases the files. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.length = 0;
    if (this.refreshDebounce) clearTimeout(this.refreshDebounce);
    this.watcher?.close();
    if (this.journal && this.holdsLease) {
      await this.snapshotInFlight?.catch(() => undefined);
      try {
        await this.snapshot();
      } catch {
        // The snapshot failed (reported); the journal still holds everything it could write.
        await this.journal.flush().catch(() => undefined);
      }
    }
    this.disposed = true;
    await this.refreshing;
    await this.journal?.close();
    this.db.close();
    this.changeEmitter.dispose();
  }
}

/**
 * Runs a read, retrying errors that pass on their own (too many open files, a busy or briefly
 * failing disk) for about three seconds before giving up.
 */
async function withReadRetries<T>(read: () => Promise<T>): Promise<T> {
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

async function readFrom(path: string, offset: number): Promise<Buffer> {
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
