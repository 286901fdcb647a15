/**
 * The in-memory history database: applies journal entries (checks, state changes, targets),
 * keeps the minute / hour / day rollups up to date as each check arrives, and answers the
 * queries. Synchronous and file-free: the writer (`SqlJsHistoryStore`) or a follower (`HistoryFollower`) owns the files and timers.
 */
import type { Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';
import { isUnusualPhase, type UnusualPhase } from '../../shared/dashboardProtocol';
import type { CheckRecord, StateChangeRecord, TargetInfo } from './checkRecord';
import type {
  AnomalyHit,
  ExportFormat,
  Incident,
  LatencyStats,
  RetentionPolicy,
  Series,
  SeriesRequest,
  SeriesSource,
  StoredTarget,
  TimeRange,
} from './historyStore';
import { type ExportedCheck, formatExportedChecks } from './historyExport';
import type { RecentChecks } from './historyQuestions';
import type { JournalEntry } from './journal';
import { LatencyHistogram } from './latencyHistogram';
import { Aggregate } from './rangeAggregate';
import { PACKED_LAYOUTS, PackedTable } from './packedTables';
import { selectRows } from './sqlRows';
import { migrate, ROLLUP_LEVELS, type RollupLevel, STATUS_CODES, STATUS_NAMES } from './schema';

export class CorruptDatabaseError extends Error {}

const DEFAULT_MAX_POINTS = 300;
/** Rows packed per step: about a tenth of a second of work, a few hours' checks of 100 targets. */
const SEAL_BATCH_ROWS = 20_000;
/** The first span the newest raw checks are looked for in, before it grows fourfold. */
const RECENT_CHECKS_FIRST_SPAN_MS = 3_600_000;
/** Read raw rows for a chart only while they are at most this many per point. */
const RAW_ROWS_PER_POINT_LIMIT = 20;

const toUs = (ms: number): number => Math.round(ms * 1000);
const toE4 = (score: number | null): number | null => (score === null || !Number.isFinite(score) ? null : Math.round(score * 10_000));
const alignDown = (time: number, width: number): number => Math.floor(time / width) * width;
const alignUp = (time: number, width: number): number => Math.ceil(time / width) * width;

interface Statements {
  insertCheck: Statement;
  upsertRollup: Statement[];
  selectRollupHistogram: Statement[];
  insertStateChange: Statement;
  upsertTarget: Statement;
  insertTargetIfMissing: Statement;
  selectTid: Statement;
  selectEndpoint: Statement;
  insertEndpoint: Statement;
  insertUnusualPhase: Statement;
}

const ROLLUP_COLUMNS =
  'count, up, degraded, down, min_us, max_us, sum_us, dns_sum_us, connect_sum_us, tls_sum_us, first_byte_sum_us, transfer_sum_us, anomaly_max_e4, hist, maint_count, maint_answered';

/** A raw check as `PackedTable` returns it, in `PACKED_LAYOUTS.checks.columns` order. */
type RawRow = [
  at: number,
  seq: number,
  status: number,
  reason: string | null,
  code: number | null,
  totalUs: number,
  dnsUs: number,
  connectUs: number,
  tlsUs: number,
  firstByteUs: number,
  transferUs: number,
  anomalyE4: number | null,
  eid: number | null,
  message: string | null,
  maint: number | null,
];

function addRawRow(aggregate: Aggregate, row: RawRow): void {
  const [, , status, , , totalUs, dns, connect, tls, firstByte, transfer, anomalyE4, , , maint] = row;
  aggregate.addRaw(status, totalUs, [dns, connect, tls, firstByte, transfer], anomalyE4, maint === 1);
}

export class HistoryDatabase {
  private statements!: Statements;
  private readonly tidById = new Map<string, number>();
  private readonly targetByTid = new Map<number, { id: string; url: string }>();
  private readonly endpointIds = new Map<string, number>();
  private readonly latestByTarget = new Map<string, CheckRecord>();
  private readonly dirtyLatest = new Set<string>();
  /** The histogram of the newest bucket per level and target, so appends need not read it back. */
  private readonly openHistograms = new Map<string, { bucket: number; histogram: LatencyHistogram }>();
  private sequence = 0;
  /** Raw checks, then the minute, hour and day rollups (in `ROLLUP_LEVELS` order), sealed spans packed. */
  private readonly rawChecks: PackedTable;
  private readonly rollups: readonly PackedTable[];

  private constructor(
    private readonly db: Database,
    private readonly retention: RetentionPolicy,
    private readonly now: () => number,
    onDamage: (message: string) => void,
  ) {
    this.configureConnection();
    this.prepareStatements();
    this.loadCaches();
    this.rawChecks = new PackedTable(db, PACKED_LAYOUTS.checks, onDamage);
    this.rollups = [PACKED_LAYOUTS.minute, PACKED_LAYOUTS.hour, PACKED_LAYOUTS.day].map((layout) => new PackedTable(db, layout, onDamage));
  }

  /**
   * Opens an image (or a new database) and migrates it. Throws `CorruptDatabaseError` for an image
   * SQLite cannot read or that fails its integrity check.
   */
  static open(
    sql: SqlJsStatic,
    image: Uint8Array | undefined,
    retention: RetentionPolicy,
    now: () => number,
    onDamage: (message: string) => void = () => {},
  ): HistoryDatabase {
    let db: Database;
    try {
      db = new sql.Database(image);
    } catch (error) {
      throw new CorruptDatabaseError(`SQLite cannot open the snapshot: ${(error as Error).message}`);
    }
    try {
      if (image) {
        const check = db.exec('PRAGMA quick_check')[0]?.values[0]?.[0];
        if (check !== 'ok') throw new CorruptDatabaseError(`The snapshot failed its integrity check: ${String(check)}`);
      }
      const { from, to } = migrate(db);
      // A migration that rebuilt a table leaves the old one's pages free: give them back now, not
      // at the next retention pass, since the database's file is held in memory.
      if (image && from < to) db.exec('PRAGMA incremental_vacuum');
      return new HistoryDatabase(db, retention, now, onDamage);
    } catch (error) {
      db.close();
      if (error instanceof CorruptDatabaseError) throw error;
      const message = (error as Error).message;
      if (/malformed|not a database|corrupt/i.test(message)) throw new CorruptDatabaseError(`The snapshot is damaged: ${message}`);
      throw error;
    }
  }

  /** Sequence number of the last journal entry applied. */
  get lastSequence(): number {
    return this.sequence;
  }

  close(): void {
    this.db.close();
  }

  private configureConnection(): void {
    // The database lives in memory; durability comes from the journal and snapshots.
    this.db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;');
  }

  private prepareStatements(): void {
    const rollupUpsert = (level: RollupLevel): Statement =>
      this.db.prepare(`INSERT INTO ${level.table} (tid, bucket, ${ROLLUP_COLUMNS})
        VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (tid, bucket) DO UPDATE SET
          count = count + 1,
          maint_count = maint_count + excluded.maint_count,
          maint_answered = maint_answered + excluded.maint_answered,
          up = up + excluded.up,
          degraded = degraded + excluded.degraded,
          down = down + excluded.down,
          min_us = CASE WHEN excluded.min_us IS NULL THEN min_us WHEN min_us IS NULL OR excluded.min_us < min_us THEN excluded.min_us ELSE min_us END,
          max_us = CASE WHEN excluded.max_us IS NULL THEN max_us WHEN max_us IS NULL OR excluded.max_us > max_us THEN excluded.max_us ELSE max_us END,
          sum_us = sum_us + excluded.sum_us,
          dns_sum_us = dns_sum_us + excluded.dns_sum_us,
          connect_sum_us = connect_sum_us + excluded.connect_sum_us,
          tls_sum_us = tls_sum_us + excluded.tls_sum_us,
          first_byte_sum_us = first_byte_sum_us + excluded.first_byte_sum_us,
          transfer_sum_us = transfer_sum_us + excluded.transfer_sum_us,
          anomaly_max_e4 = CASE WHEN excluded.anomaly_max_e4 IS NULL THEN anomaly_max_e4
            WHEN anomaly_max_e4 IS NULL OR excluded.anomaly_max_e4 > anomaly_max_e4 THEN excluded.anomaly_max_e4 ELSE anomaly_max_e4 END,
          hist = coalesce(excluded.hist, hist)`);
    this.statements = {
      insertCheck: this.db.prepare(`INSERT OR REPLACE INTO checks (seq, tid, at, status, reason, code, total_us, dns_us, connect_us, tls_us,
        first_byte_us, transfer_us, anomaly_e4, eid, message, maint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      upsertRollup: ROLLUP_LEVELS.map(rollupUpsert),
      selectRollupHistogram: ROLLUP_LEVELS.map((level) => this.db.prepare(`SELECT hist FROM ${level.table} WHERE tid = ? AND bucket = ?`)),
      insertStateChange: this.db.prepare(
        `INSERT OR REPLACE INTO state_changes (seq, tid, at, from_state, to_state, reason, message) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      upsertTarget: this.db.prepare(`INSERT INTO targets (id, url, name, first_seen_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET url = excluded.url, name = excluded.name`),
      insertTargetIfMissing: this.db.prepare(
        `INSERT INTO targets (id, url, name, first_seen_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      selectTid: this.db.prepare('SELECT tid, url FROM targets WHERE id = ?'),
      selectEndpoint: this.db.prepare('SELECT eid FROM endpoints WHERE address = ? AND location = ?'),
      insertEndpoint: this.db.prepare('INSERT INTO endpoints (address, location) VALUES (?, ?)'),
      insertUnusualPhase: this.db.prepare('INSERT OR REPLACE INTO unusual_phases (tid, at, phase, factor_e2) VALUES (?, ?, ?, ?)'),
    };
  }

  private loadCaches(): void {
    const lastSequence = this.db.exec("SELECT value FROM meta WHERE key = 'last_seq'")[0]?.values[0]?.[0];
    this.sequence = typeof lastSequence === 'number' ? lastSequence : 0;
    for (const [tid, id, url] of this.rows('SELECT tid, id, url FROM targets') as [number, string, string][]) {
      this.tidById.set(id, tid);
      this.targetByTid.set(tid, { id, url });
    }
    for (const [tid, json] of this.rows('SELECT tid, record FROM latest') as [number, string][]) {
      const id = this.targetByTid.get(tid)?.id;
      if (id === undefined) continue;
      const record = JSON.parse(json) as CheckRecord;
      // The file may have been written by anything: only a phase of ours reaches the views.
      if (record.unusualPhase !== undefined && !isUnusualPhase(record.unusualPhase)) delete record.unusualPhase;
      this.latestByTarget.set(id, record);
    }
  }

  private rows(sql: string, params: SqlValue[] = []): SqlValue[][] {
    return selectRows(this.db, sql, params);
  }

  private firstValue(statement: Statement, params: SqlValue[]): SqlValue[] | undefined {
    try {
      statement.bind(params);
      return statement.step() ? statement.get() : undefined;
    } finally {
      statement.reset();
    }
  }

  // ---- Writing ---------------------------------------------------------------------------------

  /** Applies entries in one transaction; entries the database already has are skipped. */
  applyEntries(entries: readonly JournalEntry[]): number {
    let applied = 0;
    this.db.exec('BEGIN');
    try {
      for (const entry of entries) if (this.apply(entry)) applied++;
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
    return applied;
  }

  /** Returns false for an entry at or below the last applied sequence (replay is idempotent). */
  apply(entry: JournalEntry): boolean {
    if (entry.q <= this.sequence) return false;
    if ('c' in entry) this.insertCheck(entry.q, entry.c);
    else if ('s' in entry) this.insertStateChange(entry.q, entry.s);
    else this.upsertTargetRow(entry.t, entry.t.at);
    this.sequence = entry.q;
    return true;
  }

  private tidFor(targetId: string, url: string, at: number): number {
    const known = this.tidById.get(targetId);
    if (known !== undefined) return known;
    this.statements.insertTargetIfMissing.run([targetId, url, url, at]);
    return this.lookUpTid(targetId);
  }

  private lookUpTid(targetId: string): number {
    const row = this.firstValue(this.statements.selectTid, [targetId]);
    if (!row) throw new Error(`Target ${targetId} is missing from the history database.`);
    const [tid, url] = row as [number, string];
    this.tidById.set(targetId, tid);
    this.targetByTid.set(tid, { id: targetId, url });
    return tid;
  }

  private upsertTargetRow(target: TargetInfo, at: number): void {
    this.statements.upsertTarget.run([target.id, target.url, target.name, at]);
    this.tidById.delete(target.id);
    this.lookUpTid(target.id);
  }

  private endpointFor(record: CheckRecord): number | null {
    const address = record.addresses[0];
    if (address === undefined) return null;
    const location = record.location ? JSON.stringify(record.location) : '';
    const key = `${address}\n${location}`;
    const known = this.endpointIds.get(key);
    if (known !== undefined) return known;
    let row = this.firstValue(this.statements.selectEndpoint, [address, location]);
    if (!row) {
      this.statements.insertEndpoint.run([address, location]);
      row = this.firstValue(this.statements.selectEndpoint, [address, location]);
    }
    const eid = row![0] as number;
    this.endpointIds.set(key, eid);
    return eid;
  }

  private insertCheck(sequence: number, record: CheckRecord): void {
    const tid = this.tidFor(record.targetId, record.target, record.startedAt);
    const status = STATUS_CODES[record.status];
    const answered = status !== STATUS_CODES.DOWN;
    const totalUs = toUs(record.totalMs);
    const phasesUs = [record.phases.dns, record.phases.connect, record.phases.tls, record.phases.firstByte, record.phases.transfer].map(
      toUs,
    );
    const anomalyE4 = toE4(record.anomalyScore);
    this.rawChecks.unpackSpanAt(tid, record.startedAt);
    this.statements.insertCheck.run([
      sequence,
      tid,
      record.startedAt,
      status,
      record.reason,
      record.statusCode,
      totalUs,
      ...phasesUs,
      anomalyE4,
      this.endpointFor(record),
      record.status === 'UP' ? null : record.message,
      record.maintenance ? 1 : null,
    ] as SqlValue[]);
    const maintenance = record.maintenance ? 1 : 0;
    if (isUnusualPhase(record.unusualPhase)) {
      this.statements.insertUnusualPhase.run([
        tid,
        record.startedAt,
        record.unusualPhase.phase,
        Math.round(record.unusualPhase.factor * 100),
      ]);
    }

    ROLLUP_LEVELS.forEach((level, index) => {
      const bucket = Math.floor(record.startedAt / level.widthMs);
      this.rollups[index]!.unpackSpanAt(tid, bucket);
      let hist: Uint8Array | null = null;
      if (answered) {
        const histogram = this.openHistogram(index, tid, bucket);
        histogram.add(totalUs / 1000);
        hist = histogram.encode();
      }
      this.statements.upsertRollup[index]!.run([
        tid,
        bucket,
        status === STATUS_CODES.UP ? 1 : 0,
        status === STATUS_CODES.DEGRADED ? 1 : 0,
        answered ? 0 : 1,
        answered ? totalUs : null,
        answered ? totalUs : null,
        answered ? totalUs : 0,
        ...phasesUs.map((us) => (answered ? us : 0)),
        anomalyE4,
        hist,
        maintenance,
        answered ? maintenance : 0,
      ] as SqlValue[]);
    });

    const previous = this.latestByTarget.get(record.targetId);
    if (!previous || previous.startedAt <= record.startedAt) {
      this.latestByTarget.set(record.targetId, record);
      this.dirtyLatest.add(record.targetId);
    }
  }

  private openHistogram(levelIndex: number, tid: number, bucket: number): LatencyHistogram {
    const key = `${levelIndex}:${tid}`;
    const open = this.openHistograms.get(key);
    if (open?.bucket === bucket) return open.histogram;
    const row = this.firstValue(this.statements.selectRollupHistogram[levelIndex]!, [tid, bucket]);
    const histogram = LatencyHistogram.decode(row?.[0] as Uint8Array | null | undefined);
    // Only the newest bucket is worth keeping: an older one means a late check, which is rare.
    if (!open || open.bucket < bucket) this.openHistograms.set(key, { bucket, histogram });
    return histogram;
  }

  private insertStateChange(sequence: number, change: StateChangeRecord): void {
    const tid = this.tidFor(change.targetId, change.targetId, change.at);
    this.statements.insertStateChange.run([sequence, tid, change.at, change.from, change.to, change.reason, change.message]);
  }

  /** Deletes what is older than the retention policy, packs the spans now over, and gives the freed pages back. */
  applyRetention(): void {
    const now = this.now();
    this.inTransaction(() => {
      const keepMs = [this.retention.minuteMs, this.retention.hourMs, this.retention.dayMs];
      for (const tid of this.targetByTid.keys()) {
        this.rawChecks.deleteBefore(tid, now - this.retention.rawMs);
        ROLLUP_LEVELS.forEach((level, index) => {
          this.rollups[index]!.deleteBefore(tid, Math.floor((now - keepMs[index]!) / level.widthMs));
        });
      }
      this.db.run('DELETE FROM state_changes WHERE at < ?', [now - this.retention.dayMs]);
      // Kept as long as the raw checks they belong to.
      this.db.run('DELETE FROM unusual_phases WHERE at < ?', [now - this.retention.rawMs]);
    });
    this.sealSpans();
    this.db.exec('PRAGMA incremental_vacuum');
  }

  /**
   * Packs spans that are over (see packedTables.ts), about `maxRows` rows at most. Returns the
   * rows moved: the store calls it again, a turn of the event loop later, until it returns 0, so
   * a history from an older version is packed in steps. The freed pages are given back once a
   * call finds less than a batch to pack: giving them back is most of the cost of a step (on the
   * bench's year, 250 ms a step with it, 45 ms without), and the packs reuse them meanwhile.
   */
  sealSpans(maxRows = SEAL_BATCH_ROWS): number {
    const now = this.now();
    let moved = 0;
    this.inTransaction(() => {
      for (const table of [this.rawChecks, ...this.rollups]) {
        if (moved >= maxRows) break;
        moved += table.seal(now, maxRows - moved);
      }
    });
    if (moved > 0 && moved < maxRows) this.db.exec('PRAGMA incremental_vacuum');
    return moved;
  }

  private inTransaction(task: () => void): void {
    this.db.exec('BEGIN');
    try {
      task();
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * The whole database as an SQLite file image, with `last_seq` saying which journal entries it
   * contains. sql.js closes and reopens the connection to export, which frees every prepared
   * statement and resets connection settings, so both are set up again.
   */
  exportImage(): { image: Uint8Array; sequence: number } {
    this.sealSpans();
    this.db.exec('BEGIN');
    try {
      const upsertLatest = this.db.prepare(
        'INSERT INTO latest (tid, record) VALUES (?, ?) ON CONFLICT (tid) DO UPDATE SET record = excluded.record',
      );
      try {
        for (const targetId of this.dirtyLatest) {
          const record = this.latestByTarget.get(targetId);
          const tid = this.tidById.get(targetId);
          if (record && tid !== undefined) upsertLatest.run([tid, JSON.stringify(record)]);
        }
      } finally {
        upsertLatest.free();
      }
      this.db.run("INSERT INTO meta (key, value) VALUES ('last_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [
        this.sequence,
      ]);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
    this.dirtyLatest.clear();
    const image = this.db.export();
    this.configureConnection();
    this.prepareStatements();
    return { image, sequence: this.sequence };
  }

  // ---- Reading ---------------------------------------------------------------------------------

  latest(targetId: string): CheckRecord | undefined {
    return this.latestByTarget.get(targetId);
  }

  latestAll(): CheckRecord[] {
    return [...this.latestByTarget.values()];
  }

  targets(): StoredTarget[] {
    return (this.rows('SELECT id, url, name, first_seen_at FROM targets ORDER BY tid') as [string, string, string, number][]).map(
      ([id, url, name, firstSeenAt]) => ({ id, url, name, firstSeenAt }),
    );
  }

  uptime(targetId: string, sinceMs: number, untilMs: number): number | null {
    const aggregate = this.aggregateRange(targetId, sinceMs, untilMs);
    return aggregate.uptime;
  }

  latencyStats(targetId: string, range: TimeRange): LatencyStats {
    return this.aggregateRange(targetId, range.from, range.to).stats();
  }

  /**
   * Oldest time each level still fully holds under the retention policy. Retention keeps the whole
   * rollup bucket that straddles its cut-off, so a rollup level reaches back to that bucket's start.
   */
  private coverageStart(source: SeriesSource): number {
    const now = this.now();
    switch (source) {
      case 'raw':
        return now - this.retention.rawMs;
      case 'minute':
        return alignDown(now - this.retention.minuteMs, ROLLUP_LEVELS[0].widthMs);
      case 'hour':
        return alignDown(now - this.retention.hourMs, ROLLUP_LEVELS[1].widthMs);
      case 'day':
        return alignDown(now - this.retention.dayMs, ROLLUP_LEVELS[2].widthMs);
    }
  }

  /**
   * Widens a range end to the bucket edge of the finest level that still holds that time: a range
   * starting where only day rollups remain starts at that day's midnight, so no part of it falls
   * between levels.
   */
  private snapToKeptDetail(time: number, direction: 'down' | 'up'): number {
    if (this.coverageStart('raw') <= time) return time;
    const level = ROLLUP_LEVELS.find((candidate) => this.coverageStart(candidate.name) <= time) ?? ROLLUP_LEVELS[2];
    return direction === 'down' ? alignDown(time, level.widthMs) : alignUp(time, level.widthMs);
  }

  /**
   * Sums a range from the coarsest rows that fit inside it: whole days from the day rollups, the
   * hours at either end from the hour rollups, then minutes, then raw checks for the ragged edges.
   * Counts, min, max and averages are exact; p95 is exact to the histogram bucket width unless
   * only raw rows were read. An end older than the raw rows is widened to the bucket that holds it.
   */
  private aggregateRange(targetId: string, from: number, to: number): Aggregate {
    const aggregate = new Aggregate();
    const tid = this.tidById.get(targetId);
    if (tid === undefined || from >= to) return aggregate;
    const levels = [...ROLLUP_LEVELS].reverse();
    const collect = (start: number, end: number, levelIndex: number): void => {
      if (start >= end) return;
      const level = levels[levelIndex];
      if (!level) {
        this.addRawRows(aggregate, tid, start, end);
        return;
      }
      const first = alignUp(Math.max(start, this.coverageStart(level.name)), level.widthMs);
      const last = alignDown(end, level.widthMs);
      if (first >= last) {
        collect(start, end, levelIndex + 1);
        return;
      }
      this.addRollupRows(aggregate, level, tid, first / level.widthMs, last / level.widthMs);
      collect(start, first, levelIndex + 1);
      collect(last, end, levelIndex + 1);
    };
    collect(this.snapToKeptDetail(from, 'down'), this.snapToKeptDetail(to, 'up'), 0);
    return aggregate;
  }

  private addRawRows(aggregate: Aggregate, tid: number, from: number, to: number): void {
    for (const row of this.rawChecks.rows(tid, from, to)) addRawRow(aggregate, row as RawRow);
  }

  private addRollupRows(aggregate: Aggregate, level: RollupLevel, tid: number, fromBucket: number, toBucket: number): void {
    for (const row of this.rollupTable(level).rows(tid, fromBucket, toBucket)) aggregate.addRollup(row.slice(1));
  }

  private rollupTable(level: RollupLevel): PackedTable {
    return this.rollups[ROLLUP_LEVELS.indexOf(level)]!;
  }

  /**
   * A chart series of at most `maxPoints` points. The source is the coarsest level that still
   * gives enough points and keeps the whole range: raw checks for short ranges, minute, hour or
   * day rollups for longer ones.
   */
  series(targetId: string, request: SeriesRequest): Series {
    const { from, to } = request;
    const maxPoints = Math.max(1, Math.floor(request.maxPoints ?? DEFAULT_MAX_POINTS));
    const tid = this.tidById.get(targetId);
    if (tid === undefined || from >= to) return { targetId, source: 'raw', points: [] };
    const step = Math.max(1, Math.ceil((to - from) / maxPoints));
    const level = this.chooseSeriesLevel(tid, from, to, step, maxPoints);

    const points = new Map<number, Aggregate>();
    const widthOf = (levelWidth: number, origin: number): number => {
      const width = Math.max(1, Math.ceil((to - origin) / maxPoints));
      return levelWidth > 1 ? alignUp(width, levelWidth) : width;
    };
    const aggregateAt = (index: number): Aggregate => {
      let aggregate = points.get(index);
      if (!aggregate) points.set(index, (aggregate = new Aggregate()));
      return aggregate;
    };

    let origin: number;
    let width: number;
    if (level === undefined) {
      origin = from;
      width = widthOf(1, origin);
      for (const row of this.rawChecks.rows(tid, from, to) as RawRow[]) addRawRow(aggregateAt(Math.floor((row[0] - origin) / width)), row);
    } else {
      origin = alignDown(from, level.widthMs);
      width = widthOf(level.widthMs, origin);
      for (const row of this.rollupTable(level).rows(tid, origin / level.widthMs, Math.ceil(to / level.widthMs))) {
        const start = (row[0] as number) * level.widthMs;
        aggregateAt(Math.floor((start - origin) / width)).addRollup(row.slice(1));
      }
    }
    const sorted = [...points.entries()].sort((a, b) => a[0] - b[0]);
    return {
      targetId,
      source: level?.name ?? 'raw',
      points: sorted.map(([index, aggregate]) => aggregate.point(origin + index * width, width)),
    };
  }

  /** Returns the rollup level to read, or undefined for raw checks. */
  private chooseSeriesLevel(tid: number, from: number, to: number, step: number, maxPoints: number): RollupLevel | undefined {
    const covering = ROLLUP_LEVELS.filter((level) => this.coverageStart(level.name) <= from);
    const coarsestWithinStep = covering.filter((level) => level.widthMs <= step).at(-1);
    if (coarsestWithinStep) return coarsestWithinStep;
    const rawCovers = this.coverageStart('raw') <= from;
    if (rawCovers) {
      if (covering.length === 0) return undefined;
      if (this.rawChecks.count(tid, from, to) <= RAW_ROWS_PER_POINT_LIMIT * maxPoints) return undefined;
    }
    // Fewer points than asked, from a level that keeps the whole range.
    return covering[0] ?? (rawCovers ? undefined : ROLLUP_LEVELS[ROLLUP_LEVELS.length - 1]);
  }

  incidents(targetId: string | undefined, range: TimeRange): Incident[] {
    const tids = targetId === undefined ? [...this.targetByTid.keys()] : [this.tidById.get(targetId)].filter((tid) => tid !== undefined);
    const incidents: Incident[] = [];
    for (const tid of tids) {
      const id = this.targetByTid.get(tid)!.id;
      const changes = this.rows('SELECT at, to_state, reason, message FROM state_changes WHERE tid = ? AND at < ? ORDER BY at, seq', [
        tid,
        range.to,
      ]) as [number, string, string | null, string][];
      let open: Incident | undefined;
      for (const [at, to, reason, message] of changes) {
        if (to === 'DOWN' || to === 'DEGRADED') {
          if (!open) open = { targetId: id, startedAt: at, endedAt: null, worst: to, reason, message };
          else if (to === 'DOWN' && open.worst !== 'DOWN') Object.assign(open, { worst: 'DOWN', reason, message });
        } else if (open) {
          open.endedAt = at;
          incidents.push(open);
          open = undefined;
        }
      }
      if (open) incidents.push(open);
    }
    return incidents
      .filter((incident) => incident.startedAt < range.to && (incident.endedAt === null || incident.endedAt > range.from))
      .sort((a, b) => a.startedAt - b.startedAt);
  }

  /**
   * Scored checks at or above `minScore`, newest last. Each packed hour keeps its highest score,
   * so the checks of quiet hours are never decoded.
   */
  anomalies(range: TimeRange, minScore: number, limit = 1000, targetId?: string): AnomalyHit[] {
    const minE4 = toE4(minScore) ?? 0;
    const hits: AnomalyHit[] = [];
    const phases = this.unusualPhases(range);
    for (const [tid, target] of this.targetByTid) {
      if (targetId !== undefined && target.id !== targetId) continue;
      for (const [at, , status, , , totalUs, , , , , , e4] of this.rawChecks.rows(tid, range.from, range.to, minE4) as RawRow[]) {
        const unusualPhase = phases.get(`${tid}:${at}`);
        hits.push({
          targetId: target.id,
          startedAt: at,
          score: e4! / 10_000,
          status: STATUS_NAMES[status]!,
          totalMs: totalUs / 1000,
          ...(unusualPhase ? { unusualPhase } : {}),
        });
      }
    }
    hits.sort((a, b) => a.startedAt - b.startedAt);
    return hits.slice(Math.max(0, hits.length - limit));
  }

  /** The named unusual phases of a range, by `tid:at`; a row the file holds that is not a phase of ours is left out. */
  private unusualPhases(range: TimeRange): Map<string, UnusualPhase> {
    const found = new Map<string, UnusualPhase>();
    const rows = this.rows('SELECT tid, at, phase, factor_e2 FROM unusual_phases WHERE at >= ? AND at < ?', [range.from, range.to]);
    for (const [tid, at, phase, factorE2] of rows) {
      const unusual = { phase, factor: Number(factorE2) / 100 };
      if (isUnusualPhase(unusual)) found.set(`${String(tid)}:${String(at)}`, unusual);
    }
    return found;
  }

  /** The raw checks of a range (the level that keeps every field), oldest first. */
  exportRange(targetIds: readonly string[] | undefined, range: TimeRange, format: ExportFormat): string {
    const tids =
      targetIds === undefined
        ? [...this.targetByTid.keys()]
        : targetIds.map((id) => this.tidById.get(id)).filter((tid) => tid !== undefined);
    const checks: { tid: number; row: RawRow }[] = [];
    for (const tid of new Set(tids))
      for (const row of this.rawChecks.rows(tid, range.from, range.to)) checks.push({ tid, row: row as RawRow });
    checks.sort((a, b) => a.row[0] - b.row[0] || a.row[1] - b.row[1]);
    return formatExportedChecks(this.exportedChecks(checks), range, format);
  }

  /**
   * One target's newest `limit` raw checks in the range, oldest first. A script asking for a long
   * range wants its end, so the range is read backwards from its end in growing spans: a week of
   * one-second checks would otherwise be decoded to return the last thousand.
   */
  checks(targetId: string, range: TimeRange, limit: number): RecentChecks {
    const tid = this.tidById.get(targetId);
    if (tid === undefined || limit < 1) return { checks: [], truncated: false };
    for (let span = RECENT_CHECKS_FIRST_SPAN_MS; ; span *= 4) {
      const from = Math.max(range.from, range.to - span);
      const rows = this.rawChecks.rows(tid, from, range.to) as RawRow[];
      if (rows.length < limit && from > range.from) continue;
      const newest = rows.slice(-limit);
      const olderLeftOut = rows.length > limit || (from > range.from && this.rawChecks.count(tid, range.from, from) > 0);
      return { checks: this.exportedChecks(newest.map((row) => ({ tid, row }))), truncated: olderLeftOut };
    }
  }

  /** Raw rows as the export writes them: with the target's name and the server's address and location. */
  private exportedChecks(checks: readonly { tid: number; row: RawRow }[]): ExportedCheck[] {
    const names = new Map(this.rows('SELECT tid, name FROM targets') as [number, string][]);
    const endpoints = new Map(
      (this.rows('SELECT eid, address, location FROM endpoints') as [number, string, string][]).map(([eid, address, location]) => [
        eid,
        { address, location: location ? (JSON.parse(location) as CheckRecord['location']) : null },
      ]),
    );
    return checks.map(({ tid, row }): ExportedCheck => {
      const [at, , status, reason, code, total, dns, connect, tls, firstByte, transfer, anomalyE4, eid, message, maint] = row;
      const target = this.targetByTid.get(tid)!;
      const endpoint = eid === null ? undefined : endpoints.get(eid);
      return {
        targetId: target.id,
        target: target.url,
        name: names.get(tid) ?? target.url,
        startedAt: at,
        status: STATUS_NAMES[status]!,
        reason,
        statusCode: code,
        totalMs: total / 1000,
        phases: { dns: dns / 1000, connect: connect / 1000, tls: tls / 1000, firstByte: firstByte / 1000, transfer: transfer / 1000 },
        anomalyScore: anomalyE4 === null ? null : anomalyE4 / 10_000,
        address: endpoint?.address ?? null,
        location: endpoint?.location ?? null,
        message: message ?? '',
        ...(maint === 1 ? { maintenance: true } : {}),
      };
    });
  }
}
