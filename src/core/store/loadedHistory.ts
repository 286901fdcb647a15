/**
 * What the writer (`SqlJsHistoryStore`) and a read-only follower (`HistoryFollower`) share: the
 * history loaded into a sql.js database from the snapshot and the journal segments after it, the
 * problems found on the way reported once each, the packing of spans that are over in steps, and
 * every query. A subclass decides what a damaged file means to it (the writer moves it aside and
 * snapshots again; a follower never touches the files) and what it does after loading.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import { type Event, Emitter } from '../events';
import type { CheckRecord } from './checkRecord';
import { CorruptDatabaseError, HistoryDatabase } from './historyDatabase';
import { listHistoryFiles, type SnapshotFile, type SnapshotIdentity, withReadRetries } from './historyFiles';
import {
  DEFAULT_RETENTION,
  type AnomalyHit,
  type ExportFormat,
  type HistoryQueries,
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
import type { RecentChecks } from './historyQuestions';
import { fenceLimit, readSegment, type SnapshotMark } from './journal';
import { NewerSchemaError } from './schema';
import { CorruptSnapshotError, decodeSnapshot, SNAPSHOT_FILE } from './snapshotFile';

export interface LoadedHistoryOptions {
  /** The folder that holds the snapshot and the journal (the extension's global storage). */
  directory: string;
  retention?: Partial<RetentionPolicy>;
  /** Where `sql-wasm.wasm` is; by default the one in node_modules (tests, CLI from sources). */
  wasmPath?: string;
  /** Told once per problem; the store keeps working in every case. */
  onProblem?: (problem: StoreProblem) => void;
  now?: () => number;
}

/** What this kind of view tells the user it does when the snapshot cannot be used. */
export interface LoadConsequences {
  /** The snapshot cannot be read now (a read error). */
  readonly unreadable: string;
  /** The snapshot was written by a newer version. */
  readonly newerSchema: string;
}

export abstract class LoadedHistory implements HistoryQueries {
  protected readonly changeEmitter = new Emitter<void>();
  readonly onDidChange: Event<void> = this.changeEmitter.event;

  protected db!: HistoryDatabase;
  protected disposed = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private packing: Promise<void> = Promise.resolve();

  // Which snapshot is loaded and how far each segment was read (a follower reads on from there).
  protected loadedSnapshot: SnapshotIdentity | undefined;
  /** The loaded snapshot's epoch and last sequence, and the highest epoch seen when loading. */
  protected loadedMark: SnapshotMark | undefined;
  protected loadedMaxEpoch = 0;
  protected readonly segmentOffsets = new Map<string, number>();
  private readonly reportedFiles = new Set<string>();

  protected readonly retention: RetentionPolicy;
  protected readonly now: () => number;
  /** The snapshot being read or written, named for messages. */
  protected snapshotPath: string;

  protected abstract readonly consequences: LoadConsequences;

  protected constructor(
    private readonly sql: SqlJsStatic,
    private readonly loadOptions: LoadedHistoryOptions,
  ) {
    this.retention = { ...DEFAULT_RETENTION, ...loadOptions.retention };
    this.now = loadOptions.now ?? Date.now;
    this.snapshotPath = join(loadOptions.directory, SNAPSHOT_FILE);
  }

  // ---- Loading ---------------------------------------------------------------------------------

  protected async load(): Promise<void> {
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
    await this.afterLoad();
    this.packing = this.packInSteps(this.db);
  }

  /** Runs once the database is loaded, before its spans are packed. */
  protected async afterLoad(): Promise<void> {}

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

  private async loadOnce(): Promise<{ db: HistoryDatabase; gap: boolean }> {
    this.segmentOffsets.clear();
    const files = await listHistoryFiles(this.loadOptions.directory);
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
      if (read.damagedInMiddle) await this.damagedSegment(segment.path, read.badLines);
    }
    const gap = firstApplied !== undefined && firstApplied > snapshotSequence + 1;
    return { db, gap };
  }

  private async openSnapshot(file: SnapshotFile | undefined): Promise<HistoryDatabase> {
    let bytes: Buffer | undefined;
    let identity: SnapshotIdentity | undefined;
    this.snapshotPath = file?.path ?? join(this.loadOptions.directory, SNAPSHOT_FILE);
    try {
      if (file) ({ bytes, identity } = await this.readSnapshotFile(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        // A file that cannot be read is not a damaged file: it is never moved aside or replaced.
        throw this.unreadable(
          `The history database ${this.snapshotPath} cannot be read (${(error as Error).message}). It was left as it is; ${this.consequences.unreadable}.`,
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
        throw this.unreadable(`${error.message} The file was left as it is; ${this.consequences.newerSchema}.`);
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

  /** Deals with a damaged snapshot (see `damagedSnapshot`) and starts an empty database. */
  private async startFresh(message: string): Promise<HistoryDatabase> {
    await this.damagedSnapshot(message);
    this.loadedSnapshot = undefined;
    return HistoryDatabase.open(this.sql, undefined, this.retention, this.now);
  }

  /** The snapshot at `snapshotPath` is damaged; `message` says how. Reports it and does what this view does about it. */
  protected abstract damagedSnapshot(message: string): Promise<void>;

  /** A journal segment has damaged lines in its middle; its readable lines were applied. */
  protected abstract damagedSegment(path: string, badLines: number): Promise<void>;

  protected reportCorruptOnce(file: string, movedTo: string | null, message: string): void {
    if (this.reportedFiles.has(file)) return;
    this.reportedFiles.add(file);
    this.report({ kind: 'corrupt-file', file, movedTo, message });
  }

  protected report(problem: StoreProblem): void {
    try {
      this.loadOptions.onProblem?.(problem);
    } catch {
      // A failing host callback must not stop the store.
    }
  }

  // ---- Timers ----------------------------------------------------------------------------------

  protected every(ms: number, task: () => void): void {
    const timer = setInterval(task, ms);
    // The store never keeps a process alive on its own: the host's scheduler does.
    timer.unref();
    this.timers.push(timer);
  }

  protected after(ms: number, task: () => void): void {
    const timer = setTimeout(task, ms);
    timer.unref();
    this.timers.push(timer);
  }

  protected stopTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.length = 0;
  }

  /** The last step of `dispose`: the database and the change event are released. */
  protected closeDatabase(): void {
    this.db.close();
    this.changeEmitter.dispose();
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

  anomalies(range: TimeRange, minScore: number, limit?: number, targetId?: string): AnomalyHit[] {
    return this.db.anomalies(range, minScore, limit, targetId);
  }

  checks(targetId: string, range: TimeRange, limit: number): RecentChecks {
    return this.db.checks(targetId, range, limit);
  }

  exportRange(targetIds: readonly string[] | undefined, range: TimeRange, format: ExportFormat): string {
    return this.db.exportRange(targetIds, range, format);
  }

  abstract status(): StoreStatus;

  abstract dispose(): Promise<void>;
}
