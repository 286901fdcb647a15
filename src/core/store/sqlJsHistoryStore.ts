/**
 * The history's writer on sql.js: the database lives in memory, every change goes to an
 * append-only journal flushed at least every second, and a compressed snapshot of the whole
 * database is written atomically every few minutes and at shutdown, after which the journal
 * segments it covers are deleted. Opening loads the snapshot and replays the journal (shared with
 * the read-only follower, `loadedHistory.ts`); a kill -9 at any moment loses at most the last
 * flush period. Windows that do not record ask this window instead (core/coordination/
 * historyQueryChannel.ts); the CLI's export reads the files with a `HistoryFollower`, which never
 * writes them.
 *
 * With a lease, the store writes under the lease's epoch (a fencing token): its snapshot and its
 * journal segments carry the epoch in their names, a snapshot replaces a file and old files are
 * deleted only inside `lease.whileCurrent`, and a flush counts as durable only when the lease
 * still names this writer afterwards. A writer that took over from one that did not release the
 * lease snapshots before it records anything, so its epoch outranks whatever the old one, waking
 * from a freeze, may still write; replay leaves such late lines out (`fenceLimit`, journal.ts).
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import type { CheckRecord, StateChangeRecord, TargetInfo } from './checkRecord';
import { listHistoryFiles } from './historyFiles';
import type { HistoryStore, StoreStatus } from './historyStore';
import { encodeEntry, type JournalEntry, JournalWriter } from './journal';
import { LoadedHistory, type LoadedHistoryOptions } from './loadedHistory';
import { ensurePrivateDirectory, stagePrivateFile } from './privateFiles';
import { encodeSnapshot, moveAside, SNAPSHOT_TEMPORARY_NAME, snapshotName } from './snapshotFile';
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

export interface SqlJsHistoryStoreOptions extends LoadedHistoryOptions {
  /** How often queued changes are written and synced (default 500 ms). */
  flushIntervalMs?: number;
  /** How often the whole database is written (default 5 minutes). */
  snapshotIntervalMs?: number;
  /** How often old data is deleted (default 1 hour; first run 1 minute after opening). */
  retentionIntervalMs?: number;
  /** While given and not the writer under the epoch the store opened with, nothing is written. */
  lease?: StoreLease;
  /** Changes kept in memory while the disk fails, before they wait for the next snapshot instead. */
  maxPendingWrites?: number;
}

const FIRST_RETENTION_DELAY_MS = 60_000;
/** A temporary snapshot older than this was left by a crash; writing one takes seconds. */
const LEFTOVER_TEMPORARY_AGE_MS = 10 * 60_000;
const MAX_WRITE_BACKOFF_MS = 60_000;

export class SqlJsHistoryStore extends LoadedHistory implements HistoryStore {
  private journal: JournalWriter | undefined;

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

  protected readonly consequences = {
    unreadable: 'checks go on without being recorded until the window reloads',
    newerSchema: 'checks in this window go on without being recorded',
  };

  private constructor(
    sql: SqlJsStatic,
    private readonly options: SqlJsHistoryStoreOptions,
  ) {
    super(sql, options);
  }

  static async open(options: SqlJsHistoryStoreOptions): Promise<SqlJsHistoryStore> {
    await ensurePrivateDirectory(options.directory);
    const store = new SqlJsHistoryStore(await loadSqlJs(options.wasmPath), options);
    await store.load();
    store.start();
    return store;
  }

  // ---- Loading ---------------------------------------------------------------------------------

  protected override async afterLoad(): Promise<void> {
    await this.removeLeftoverTemporaries();
    this.epoch = await this.writerEpoch();
    this.snapshotSequence = this.db.lastSequence;
    this.confirmedDurable = this.db.lastSequence;
    this.journal = new JournalWriter(this.options.directory, this.db.lastSequence + 1, this.epoch);
    if (this.needsSnapshot) await this.snapshot().catch(() => undefined);
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

  /** Keeps a damaged snapshot aside; the next snapshot replaces it. */
  protected async damagedSnapshot(message: string): Promise<void> {
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

  protected async damagedSegment(path: string, badLines: number): Promise<void> {
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

  private start(): void {
    this.every(this.options.flushIntervalMs ?? 500, () => void this.flushQuietly());
    this.every(this.options.snapshotIntervalMs ?? 300_000, () => void this.snapshot().catch(() => undefined));
    const retentionEvery = this.options.retentionIntervalMs ?? 3_600_000;
    this.after(Math.min(FIRST_RETENTION_DELAY_MS, retentionEvery), () => {
      void this.runMaintenance().catch(() => undefined);
      this.every(retentionEvery, () => void this.runMaintenance().catch(() => undefined));
    });
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

  status(): StoreStatus {
    const journalDurable = this.options.lease ? this.confirmedDurable : this.journal?.durableSequence;
    let durable = this.journal ? Math.max(journalDurable ?? 0, this.snapshotSequence) : this.db.lastSequence;
    if (this.droppedRange) durable = Math.min(durable, Math.max(this.snapshotSequence, this.droppedRange.from - 1));
    return {
      readOnly: false,
      lastSequence: this.db.lastSequence,
      durableSequence: durable,
      pendingWrites: this.journal?.pendingLines ?? 0,
      writeError: this.writeError,
      lastSnapshotAt: this.lastSnapshotAt,
    };
  }

  /** Stops the timers, writes a final snapshot, and releases the files. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.stopTimers();
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
    await this.journal?.close();
    this.closeDatabase();
  }
}
