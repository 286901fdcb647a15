/**
 * A read-only follower of the history another process records (the CLI's export, which prints
 * the checks a running editor or watch has recorded so far): it loads the same snapshot and journal as the writer
 * (`LoadedHistory`), never writes, moves or deletes a file, and picks up the writer's changes as
 * they reach the journal, reading each segment on from where it stopped. A file event or, failing
 * that, a periodic look triggers a refresh; a replaced snapshot or a takeover by a newer writer
 * makes it load again from the start.
 */
import { type FSWatcher, promises as fs, watch } from 'node:fs';
import type { SqlJsStatic } from 'sql.js';
import { type HistoryFiles, listHistoryFiles, readFrom, type SnapshotIdentity } from './historyFiles';
import type { HistoryQueries, StoreStatus } from './historyStore';
import { fenceLimit, parseJournal, type SegmentFile } from './journal';
import { LoadedHistory, type LoadedHistoryOptions } from './loadedHistory';
import { loadSqlJs } from './sqlJsLoader';

export interface HistoryFollowerOptions extends LoadedHistoryOptions {
  /** How often to look for new data when no file event came (default 2 s). */
  refreshIntervalMs?: number;
}

export class HistoryFollower extends LoadedHistory implements HistoryQueries {
  private watcher: FSWatcher | undefined;
  private refreshDebounce: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  protected readonly consequences = {
    unreadable: 'the history shows again once it can be read',
    newerSchema: 'no history can be shown from it',
  };

  private constructor(
    sql: SqlJsStatic,
    private readonly options: HistoryFollowerOptions,
  ) {
    super(sql, options);
  }

  static async open(options: HistoryFollowerOptions): Promise<HistoryFollower> {
    const follower = new HistoryFollower(await loadSqlJs(options.wasmPath), options);
    await follower.load();
    follower.start();
    return follower;
  }

  protected async damagedSnapshot(message: string): Promise<void> {
    this.reportCorruptOnce(this.snapshotPath, null, `${message} Showing an empty history until the recording window replaces it.`);
  }

  /** Left as it is: the writer moves it aside, and the lines this follower could read were applied. */
  protected async damagedSegment(): Promise<void> {}

  private start(): void {
    this.every(this.options.refreshIntervalMs ?? 2000, () => void this.refresh());
    try {
      this.watcher = watch(this.options.directory, () => this.scheduleRefresh());
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No file events on this file system: the periodic refresh is enough.
    }
  }

  private scheduleRefresh(): void {
    if (this.refreshDebounce || this.disposed) return;
    this.refreshDebounce = setTimeout(() => {
      this.refreshDebounce = undefined;
      void this.refresh();
    }, 100);
    this.refreshDebounce.unref();
  }

  /** Applies what the writer added since the last look (or reloads a new snapshot). */
  refresh(): Promise<void> {
    if (this.disposed) return Promise.resolve();
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

  status(): StoreStatus {
    const sequence = this.db.lastSequence;
    return { readOnly: true, lastSequence: sequence, durableSequence: sequence, pendingWrites: 0, writeError: null, lastSnapshotAt: null };
  }

  /** Stops following and releases the files. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.stopTimers();
    if (this.refreshDebounce) clearTimeout(this.refreshDebounce);
    this.watcher?.close();
    this.disposed = true;
    await this.refreshing;
    this.closeDatabase();
  }
}
