/**
 * The history database's layout and its migrations, versioned with `PRAGMA user_version`.
 *
 * Sizes matter here: a year of 100 targets checked every minute is a million raw rows (7 days)
 * plus half a million rollup rows, so times are integer milliseconds, durations integer
 * microseconds, anomaly scores integer 1/10,000ths, rollup buckets bucket numbers (time divided
 * by the bucket width), and an address with its location is stored once in `endpoints`.
 */
import type { Database } from 'sql.js';
import { LatencyHistogram } from './latencyHistogram';
import { PACKED_LAYOUTS, packedTableDdl } from './packedTables';

export const SCHEMA_VERSION = 6;

export const ROLLUP_LEVELS = [
  { name: 'minute', table: 'rollup_minute', widthMs: 60_000 },
  { name: 'hour', table: 'rollup_hour', widthMs: 3_600_000 },
  { name: 'day', table: 'rollup_day', widthMs: 86_400_000 },
] as const;

export type RollupLevel = (typeof ROLLUP_LEVELS)[number];

function rollupTableDdl(table: string, withHistogram: boolean): string {
  return `CREATE TABLE ${table} (
    tid INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    count INTEGER NOT NULL,
    up INTEGER NOT NULL,
    degraded INTEGER NOT NULL,
    down INTEGER NOT NULL,
    min_us INTEGER,
    max_us INTEGER,
    sum_us INTEGER NOT NULL,
    dns_sum_us INTEGER NOT NULL,
    connect_sum_us INTEGER NOT NULL,
    tls_sum_us INTEGER NOT NULL,
    first_byte_sum_us INTEGER NOT NULL,
    transfer_sum_us INTEGER NOT NULL,
    anomaly_max_e4 INTEGER,${withHistogram ? '\n    hist BLOB,' : ''}
    PRIMARY KEY (tid, bucket)
  ) WITHOUT ROWID;`;
}

/** Version 1: the first layout. Rollups had no latency histogram, so p95 needed raw rows. */
export const SCHEMA_V1_DDL = `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
  CREATE TABLE targets (
    tid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    name TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL
  );
  CREATE TABLE endpoints (
    eid INTEGER PRIMARY KEY,
    address TEXT NOT NULL,
    location TEXT NOT NULL,
    UNIQUE (address, location)
  );
  CREATE TABLE checks (
    seq INTEGER PRIMARY KEY,
    tid INTEGER NOT NULL,
    at INTEGER NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT,
    code INTEGER,
    total_us INTEGER NOT NULL,
    dns_us INTEGER NOT NULL,
    connect_us INTEGER NOT NULL,
    tls_us INTEGER NOT NULL,
    first_byte_us INTEGER NOT NULL,
    transfer_us INTEGER NOT NULL,
    anomaly_e4 INTEGER,
    eid INTEGER,
    message TEXT
  );
  CREATE INDEX checks_by_target_time ON checks (tid, at);
  CREATE TABLE latest (tid INTEGER PRIMARY KEY, record TEXT NOT NULL);
  CREATE TABLE state_changes (
    seq INTEGER PRIMARY KEY,
    tid INTEGER NOT NULL,
    at INTEGER NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT,
    message TEXT NOT NULL
  );
  CREATE INDEX state_changes_by_target_time ON state_changes (tid, at);
  ${ROLLUP_LEVELS.map((level) => rollupTableDdl(level.table, false)).join('\n')}
`;

/** Status codes in the `status` column. */
export const STATUS_CODES = { UP: 0, DEGRADED: 1, DOWN: 2 } as const;
export const STATUS_NAMES = ['UP', 'DEGRADED', 'DOWN'] as const;

type Migration = (db: Database) => void;

/** `MIGRATIONS[n]` takes a database from version n to n + 1. Each runs in one transaction. */
const MIGRATIONS: Record<number, Migration> = {
  0: (db) => {
    // auto_vacuum must be chosen before the first table exists; incremental lets retention give
    // pages back without rewriting the whole file.
    db.exec('PRAGMA auto_vacuum = INCREMENTAL');
    db.exec(SCHEMA_V1_DDL);
  },
  1: (db) => {
    for (const level of ROLLUP_LEVELS) db.exec(`ALTER TABLE ${level.table} ADD COLUMN hist BLOB`);
    backfillHistograms(db);
  },
  // Version 3: checks made during a maintenance window or a snooze are marked, and rollups count
  // them apart, so uptime can leave them out. Older checks were made outside any window.
  2: (db) => {
    db.exec('ALTER TABLE checks ADD COLUMN maint INTEGER');
    for (const level of ROLLUP_LEVELS) {
      db.exec(`ALTER TABLE ${level.table} ADD COLUMN maint_count INTEGER NOT NULL DEFAULT 0`);
      db.exec(`ALTER TABLE ${level.table} ADD COLUMN maint_answered INTEGER NOT NULL DEFAULT 0`);
    }
  },
  // Version 4: raw checks are kept in (target, time) order in the table itself (WITHOUT ROWID)
  // instead of a rowid table plus a (tid, at) index that repeated the key of every row: a fifth
  // less memory and a quarter less on disk for the week of raw checks, the bulk of the history.
  // Every query of raw checks reads a target's time range, which is the key's prefix.
  3: (db) => {
    db.exec(`CREATE TABLE checks_by_time (${CHECK_COLUMNS_DDL},
      PRIMARY KEY (tid, at, seq)
    ) WITHOUT ROWID`);
    db.exec(`INSERT INTO checks_by_time SELECT ${CHECK_COLUMN_NAMES} FROM checks`);
    db.exec('DROP TABLE checks');
    db.exec('ALTER TABLE checks_by_time RENAME TO checks');
  },
  // Version 5: sealed spans (an hour of raw checks or minute rollups, a day of hour rollups, a
  // month of day rollups) are kept packed, one row per target and span (see packedTables.ts).
  // The rows move into their packs when the database is next opened.
  4: (db) => {
    for (const layout of Object.values(PACKED_LAYOUTS)) db.exec(packedTableDdl(layout));
  },
  // Version 6: the phase that made an anomalous check unusual, for the few checks whose phase the
  // detector named. A table of its own rather than a column of every raw check (and of their
  // packs): it holds only those checks, and older checks have none.
  5: (db) => {
    db.exec(`CREATE TABLE unusual_phases (
      tid INTEGER NOT NULL,
      at INTEGER NOT NULL,
      phase TEXT NOT NULL,
      factor_e2 INTEGER NOT NULL,
      PRIMARY KEY (tid, at)
    ) WITHOUT ROWID`);
  },
};

/** The raw check's columns as version 3 left them, in their order (positional inserts rely on it). */
const CHECK_COLUMNS_DDL = `
    seq INTEGER NOT NULL,
    tid INTEGER NOT NULL,
    at INTEGER NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT,
    code INTEGER,
    total_us INTEGER NOT NULL,
    dns_us INTEGER NOT NULL,
    connect_us INTEGER NOT NULL,
    tls_us INTEGER NOT NULL,
    first_byte_us INTEGER NOT NULL,
    transfer_us INTEGER NOT NULL,
    anomaly_e4 INTEGER,
    eid INTEGER,
    message TEXT,
    maint INTEGER`;
const CHECK_COLUMN_NAMES =
  'seq, tid, at, status, reason, code, total_us, dns_us, connect_us, tls_us, first_byte_us, transfer_us, anomaly_e4, eid, message, maint';

/** Rebuilds rollup histograms from the raw rows still kept; older rollups keep a null histogram. */
function backfillHistograms(db: Database): void {
  for (const level of ROLLUP_LEVELS) {
    const histograms = new Map<string, LatencyHistogram>();
    const select = db.prepare('SELECT tid, at, total_us FROM checks WHERE status <> 2');
    try {
      while (select.step()) {
        const [tid, at, totalUs] = select.get() as [number, number, number];
        const key = `${tid}:${Math.floor(at / level.widthMs)}`;
        let histogram = histograms.get(key);
        if (!histogram) histograms.set(key, (histogram = new LatencyHistogram()));
        histogram.add(totalUs / 1000);
      }
    } finally {
      select.free();
    }
    const update = db.prepare(`UPDATE ${level.table} SET hist = ? WHERE tid = ? AND bucket = ?`);
    try {
      for (const [key, histogram] of histograms) {
        const [tid, bucket] = key.split(':').map(Number) as [number, number];
        update.run([histogram.encode(), tid, bucket]);
      }
    } finally {
      update.free();
    }
  }
}

export function schemaVersion(db: Database): number {
  const value = db.exec('PRAGMA user_version')[0]?.values[0]?.[0];
  return typeof value === 'number' ? value : 0;
}

/** A database written by a newer version of the extension: left exactly as it is. */
export class NewerSchemaError extends Error {}

/**
 * Brings the database to `SCHEMA_VERSION`. Throws `NewerSchemaError` for a database written by a
 * newer version, so the caller leaves it alone instead of damaging it.
 */
export function migrate(db: Database): { from: number; to: number } {
  const from = schemaVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new NewerSchemaError(
      `The history database has schema version ${from}, newer than this version of Network Monitor understands (${SCHEMA_VERSION}): it was written by a newer version, perhaps in another window. Update the extension (or reload the windows that run an older one).`,
    );
  }
  for (let version = from; version < SCHEMA_VERSION; version++) {
    const migration = MIGRATIONS[version];
    if (!migration) throw new Error(`No migration from history schema version ${version}.`);
    // auto_vacuum cannot change inside a transaction, and version 0 is an empty database anyway.
    if (version === 0) {
      migration(db);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      continue;
    }
    db.exec('BEGIN');
    try {
      migration(db);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
  return { from, to: SCHEMA_VERSION };
}
