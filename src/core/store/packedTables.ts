/**
 * Sealed spans of history packed into one BLOB per target and span.
 *
 * sql.js holds the whole database file in memory, and a B-tree row costs its key, its header and
 * its share of the page for every check and every rollup bucket. So once a span of time is over
 * (an hour of raw checks or minute rollups, a day of hour rollups, a month of day rollups), its
 * rows move into one row of the table's `_packed` twin: the rows encoded column by column and
 * deflated (`packedRows.ts`). Only the current spans stay as plain rows, where appends and rollup
 * updates go. Reads take the plain rows and the packs that overlap the range and decode those; a
 * late check for a sealed span first moves that span's rows back (it is packed again at the next
 * seal). Everything stays in the one SQLite file, so the snapshot and journal keep it durable and
 * the fencing of writers covers it as before.
 */
import type { Database, SqlValue } from 'sql.js';
import { DamagedPackError, packRows, unpackRows } from './packedRows';
import { selectRows } from './sqlRows';

export interface PackedTableLayout {
  /** The table whose rows are packed; its twin is `${table}_packed`. */
  readonly table: string;
  /** Every column but `tid`, the time column first: a time in ms or a bucket number. */
  readonly columns: readonly string[];
  /** Width of one packed span, in the time column's unit. */
  readonly span: number;
  /** Milliseconds in one unit of the time column (1 for times, the bucket width for rollups). */
  readonly unitMs: number;
  /** The column whose highest value is kept beside each pack, so a search for high scores skips quiet spans. */
  readonly peakColumn: string;
}

const ROLLUP_VALUE_COLUMNS = [
  'count',
  'up',
  'degraded',
  'down',
  'min_us',
  'max_us',
  'sum_us',
  'dns_sum_us',
  'connect_sum_us',
  'tls_sum_us',
  'first_byte_sum_us',
  'transfer_sum_us',
  'anomaly_max_e4',
  'hist',
  'maint_count',
  'maint_answered',
] as const;

export const PACKED_LAYOUTS = {
  checks: {
    table: 'checks',
    columns: [
      'at',
      'seq',
      'status',
      'reason',
      'code',
      'total_us',
      'dns_us',
      'connect_us',
      'tls_us',
      'first_byte_us',
      'transfer_us',
      'anomaly_e4',
      'eid',
      'message',
      'maint',
    ],
    span: 3_600_000,
    unitMs: 1,
    peakColumn: 'anomaly_e4',
  },
  minute: { table: 'rollup_minute', columns: ['bucket', ...ROLLUP_VALUE_COLUMNS], span: 60, unitMs: 60_000, peakColumn: 'anomaly_max_e4' },
  hour: { table: 'rollup_hour', columns: ['bucket', ...ROLLUP_VALUE_COLUMNS], span: 24, unitMs: 3_600_000, peakColumn: 'anomaly_max_e4' },
  day: { table: 'rollup_day', columns: ['bucket', ...ROLLUP_VALUE_COLUMNS], span: 32, unitMs: 86_400_000, peakColumn: 'anomaly_max_e4' },
} as const satisfies Record<string, PackedTableLayout>;

/** The packed twin's layout, for the schema migration that creates it. */
export function packedTableDdl(layout: PackedTableLayout): string {
  // A rowid table, not WITHOUT ROWID: SQLite keeps up to about 4 KB of a rowid row on its page but
  // only about 1 KB of a WITHOUT ROWID row, and a pack bigger than that would spill into an
  // overflow page of its own, most of it empty. The rowid is the span key (see `spanKey`).
  return `CREATE TABLE ${layout.table}_packed (
    span_key INTEGER PRIMARY KEY,
    rows INTEGER NOT NULL,
    peak INTEGER,
    data BLOB NOT NULL
  );`;
}

/** Spans a target can have: one target's packs are the key range [tid * SPANS_PER_TARGET, (tid + 1) * SPANS_PER_TARGET). */
const SPANS_PER_TARGET = 2 ** 32;

/**
 * A span is sealed this long after it ends: a check is recorded when it finishes, up to its
 * timeout after it started, so by then no check of the span is still on its way.
 */
export const SEAL_DELAY_MS = 15 * 60_000;

export class PackedTable {
  private readonly packedTable: string;
  private readonly columnList: string;
  private readonly timeColumn: string;
  private readonly peakIndex: number;
  /** The newest packed span's start per target: a write after it never needs to look for a pack. */
  private readonly newestPackByTid = new Map<number, number>();
  /** Packs that failed to decode, left out of every answer (reported once each through `onDamage`). */
  private readonly damaged = new Set<string>();

  constructor(
    private readonly db: Database,
    readonly layout: PackedTableLayout,
    private readonly onDamage: (message: string) => void = () => {},
  ) {
    this.packedTable = `${layout.table}_packed`;
    this.columnList = layout.columns.join(', ');
    this.timeColumn = layout.columns[0]!;
    this.peakIndex = layout.columns.indexOf(layout.peakColumn);
    for (const [key] of this.select(`SELECT span_key FROM ${this.packedTable}`, []) as [number][]) {
      const { tid, start } = this.spanOf(key);
      if ((this.newestPackByTid.get(tid) ?? -Infinity) < start) this.newestPackByTid.set(tid, start);
    }
  }

  /** The key of a target's span starting at `start` (a multiple of the span width). */
  private spanKey(tid: number, start: number): number {
    return tid * SPANS_PER_TARGET + start / this.layout.span;
  }

  private spanOf(key: number): { tid: number; start: number } {
    const tid = Math.floor(key / SPANS_PER_TARGET);
    return { tid, start: (key - tid * SPANS_PER_TARGET) * this.layout.span };
  }

  /** The keys of a target's packs that overlap `[from, to)`, as a half-open key range. */
  private keysOverlapping(tid: number, from: number, to: number): [number, number] {
    return [this.spanKey(tid, this.spanStart(from)), this.spanKey(tid, this.spanStart(to - 1)) + 1];
  }

  private spanStart(time: number): number {
    return Math.floor(time / this.layout.span) * this.layout.span;
  }

  private select(sql: string, params: SqlValue[]): SqlValue[][] {
    return selectRows(this.db, sql, params);
  }

  private decode(tid: number, start: number, data: Uint8Array): SqlValue[][] {
    try {
      return unpackRows(data, this.layout.columns.length);
    } catch (error) {
      if (!(error instanceof DamagedPackError)) throw error;
      const key = `${tid}:${start}`;
      if (!this.damaged.has(key)) {
        this.damaged.add(key);
        this.onDamage(
          `Part of the history (${this.layout.table}, target ${tid}, from ${new Date(start * this.layout.unitMs).toISOString()}) is damaged and left out: ${error.message}`,
        );
      }
      return [];
    }
  }

  /**
   * Packs spans of plain rows that ended at least the seal delay before `nowMs`, about `maxRows`
   * rows at most (a span is never split), and returns the rows moved: a history from an older
   * version is packed a batch at a time, so no single call holds the extension host for long.
   */
  seal(nowMs: number, maxRows = Number.POSITIVE_INFINITY): number {
    const before = this.spanStart(Math.floor((nowMs - SEAL_DELAY_MS) / this.layout.unitMs));
    const limit = Number.isFinite(maxRows) ? Math.max(1, Math.floor(maxRows)) + 1 : -1;
    // One pass over the sealed rows in key order (target, time): each span's rows are consecutive.
    const spans: { tid: number; start: number; rows: SqlValue[][] }[] = [];
    let read = 0;
    const select = this.db.prepare(
      `SELECT tid, ${this.columnList} FROM ${this.layout.table} WHERE ${this.timeColumn} < ? ORDER BY tid, ${this.timeColumn} LIMIT ?`,
    );
    try {
      select.bind([before, limit]);
      while (select.step()) {
        const [tid, ...row] = select.get() as [number, ...SqlValue[]];
        const start = this.spanStart(row[0] as number);
        const last = spans.at(-1);
        if (last?.tid === tid && last.start === start) last.rows.push(row);
        else spans.push({ tid, start, rows: [row] });
        read++;
      }
    } finally {
      select.free();
    }
    if (read === limit) {
      // The batch ended inside a span: leave it for the next batch, unless it is the only one.
      if (spans.length > 1) spans.pop();
      else this.readWholeSpan(spans[0]!);
    }
    const deleteSpan = this.db.prepare(
      `DELETE FROM ${this.layout.table} WHERE tid = ? AND ${this.timeColumn} >= ? AND ${this.timeColumn} < ?`,
    );
    let moved = 0;
    try {
      for (const span of spans) {
        // A span packed before and later unpacked only in part (never, unless the file was
        // edited): its pack's rows join the plain ones rather than being replaced by them.
        const earlier = (this.newestPackByTid.get(span.tid) ?? -Infinity) >= span.start ? this.rowsOfPack(span.tid, span.start) : [];
        const rows = earlier.length === 0 ? span.rows : [...earlier, ...span.rows].sort((a, b) => (a[0] as number) - (b[0] as number));
        this.writePack(span.tid, span.start, rows);
        deleteSpan.run([span.tid, span.start, span.start + this.layout.span]);
        moved += span.rows.length;
      }
    } finally {
      deleteSpan.free();
    }
    return moved;
  }

  private readWholeSpan(span: { tid: number; start: number; rows: SqlValue[][] }): void {
    span.rows = this.select(
      `SELECT ${this.columnList} FROM ${this.layout.table} WHERE tid = ? AND ${this.timeColumn} >= ? AND ${this.timeColumn} < ?`,
      [span.tid, span.start, span.start + this.layout.span],
    );
  }

  private writePack(tid: number, start: number, rows: SqlValue[][]): void {
    if (rows.length === 0) return;
    let peak: number | null = null;
    for (const row of rows) {
      const value = row[this.peakIndex];
      if (typeof value === 'number' && (peak === null || value > peak)) peak = value;
    }
    this.db.run(`INSERT OR REPLACE INTO ${this.packedTable} (span_key, rows, peak, data) VALUES (?, ?, ?, ?)`, [
      this.spanKey(tid, start),
      rows.length,
      peak,
      packRows(rows, this.layout.columns.length),
    ]);
    if ((this.newestPackByTid.get(tid) ?? -Infinity) < start) this.newestPackByTid.set(tid, start);
  }

  /** Before a write at `time`: moves the rows of the span holding it back into the plain table. */
  unpackSpanAt(tid: number, time: number): void {
    const start = this.spanStart(time);
    if ((this.newestPackByTid.get(tid) ?? -Infinity) < start) return;
    const pack = this.select(`SELECT data FROM ${this.packedTable} WHERE span_key = ?`, [this.spanKey(tid, start)])[0];
    if (!pack) return;
    const placeholders = this.layout.columns.map(() => '?').join(', ');
    const insert = this.db.prepare(`INSERT OR IGNORE INTO ${this.layout.table} (tid, ${this.columnList}) VALUES (?, ${placeholders})`);
    try {
      for (const row of this.decode(tid, start, pack[0] as Uint8Array)) insert.run([tid, ...row]);
    } finally {
      insert.free();
    }
    this.db.run(`DELETE FROM ${this.packedTable} WHERE span_key = ?`, [this.spanKey(tid, start)]);
  }

  /**
   * One target's rows with the time column in `[from, to)`, oldest first (ties in the second
   * column's order), from plain rows and packs alike. With `minPeak`, only rows whose peak column
   * reaches it, and packs below it are not even decoded.
   */
  rows(tid: number, from: number, to: number, minPeak?: number): SqlValue[][] {
    if (from >= to) return [];
    const peakFilter = minPeak === undefined ? '' : ` AND ${this.layout.peakColumn} >= ${Number(minPeak)}`;
    const rows = this.select(
      `SELECT ${this.columnList} FROM ${this.layout.table} WHERE tid = ? AND ${this.timeColumn} >= ? AND ${this.timeColumn} < ?${peakFilter}`,
      [tid, from, to],
    );
    const packs = this.select(
      `SELECT span_key, data FROM ${this.packedTable} WHERE span_key >= ? AND span_key < ?${minPeak === undefined ? '' : ` AND peak >= ${Number(minPeak)}`}`,
      this.keysOverlapping(tid, from, to),
    ) as [number, Uint8Array][];
    for (const [key, data] of packs) {
      const { start } = this.spanOf(key);
      for (const row of this.decode(tid, start, data)) {
        const time = row[0] as number;
        if (time < from || time >= to) continue;
        if (minPeak !== undefined && !((row[this.peakIndex] as number | null) !== null && (row[this.peakIndex] as number) >= minPeak))
          continue;
        rows.push(row);
      }
    }
    if (packs.length > 0) rows.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
    return rows;
  }

  /** How many rows of one target fall in `[from, to)`; only the packs at either end are decoded. */
  count(tid: number, from: number, to: number): number {
    if (from >= to) return 0;
    const plain = this.select(
      `SELECT count(*) FROM ${this.layout.table} WHERE tid = ? AND ${this.timeColumn} >= ? AND ${this.timeColumn} < ?`,
      [tid, from, to],
    )[0]![0] as number;
    let packed = 0;
    const packs = this.select(
      `SELECT span_key, rows FROM ${this.packedTable} WHERE span_key >= ? AND span_key < ?`,
      this.keysOverlapping(tid, from, to),
    ) as [number, number][];
    for (const [key, rows] of packs) {
      const { start } = this.spanOf(key);
      if (start >= from && start + this.layout.span <= to) packed += rows;
      else packed += this.rowsOfPack(tid, start).filter((row) => (row[0] as number) >= from && (row[0] as number) < to).length;
    }
    return plain + packed;
  }

  private rowsOfPack(tid: number, start: number): SqlValue[][] {
    const pack = this.select(`SELECT data FROM ${this.packedTable} WHERE span_key = ?`, [this.spanKey(tid, start)])[0];
    return pack ? this.decode(tid, start, pack[0] as Uint8Array) : [];
  }

  /** Deletes one target's rows older than `before` (time column unit), packed or not. */
  deleteBefore(tid: number, before: number): void {
    this.db.run(`DELETE FROM ${this.layout.table} WHERE tid = ? AND ${this.timeColumn} < ?`, [tid, before]);
    const straddling = this.spanStart(before);
    // Every pack of the target that ends at or before `before`: the spans before the straddling one.
    this.db.run(`DELETE FROM ${this.packedTable} WHERE span_key >= ? AND span_key < ?`, [
      this.spanKey(tid, 0),
      this.spanKey(tid, straddling),
    ]);
    if (straddling === before) return;
    const rows = this.rowsOfPack(tid, straddling);
    if (rows.length === 0) return;
    const kept = rows.filter((row) => (row[0] as number) >= before);
    this.db.run(`DELETE FROM ${this.packedTable} WHERE span_key = ?`, [this.spanKey(tid, straddling)]);
    this.writePack(tid, straddling, kept);
  }

  /** Moves every packed row back into its plain table (a tool that reads the file with plain SQL). */
  unpackAll(): void {
    for (const [key] of this.select(`SELECT span_key FROM ${this.packedTable}`, []) as [number][]) {
      const { tid, start } = this.spanOf(key);
      this.unpackSpanAt(tid, start);
    }
  }
}
