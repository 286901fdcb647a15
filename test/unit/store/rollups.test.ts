import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CheckRecord } from '../../../src/core/store/checkRecord';
import { exactPercentile } from '../../../src/core/store/latencyHistogram';
import { ROLLUP_LEVELS, SCHEMA_V1_DDL, SCHEMA_VERSION } from '../../../src/core/store/schema';
import { loadSqlJs } from '../../../src/core/store/sqlJsLoader';
import { HistoryFollower } from '../../../src/core/store/historyFollower';
import { SNAPSHOT_FILE, SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';
import { makeCheck, openSnapshotDirectly, queryRows, tempDirectory } from './storeTestSupport';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** A fixed "now" on a day boundary plus a bit, so ranges have ragged edges at every level. */
const NOW = Date.UTC(2026, 10, 24, 13, 47, 31, 250);

/** Three days of checks every 20 s for two targets, out of order now and then, all statuses. */
function generateChecks(): CheckRecord[] {
  const random = createSeededRandom(42);
  const checks: CheckRecord[] = [];
  for (let at = NOW - 3 * DAY; at < NOW; at += 20_000) {
    for (const targetId of ['a', 'b']) {
      const roll = random();
      const status = roll < 0.05 ? 'DOWN' : roll < 0.1 ? 'DEGRADED' : 'UP';
      const totalMs = Math.round((5 + random() * 200 + (random() < 0.02 ? 2000 : 0)) * 100) / 100;
      checks.push(
        makeCheck({
          targetId,
          target: `http://127.0.0.1/${targetId}`,
          startedAt: at + Math.floor(random() * 1000),
          status,
          reason: status === 'DOWN' ? 'TIMEOUT' : status === 'DEGRADED' ? 'SLOW' : null,
          statusCode: status === 'DOWN' ? null : 200,
          totalMs,
          phases: { dns: 0.5, connect: 1, tls: 2, firstByte: totalMs - 4, transfer: 0.5 },
          anomalyScore: random() < 0.8 ? Math.round(random() * 10_000) / 10_000 : null,
        }),
      );
    }
  }
  // Late checks: swap neighbours so some arrive after a newer one of the same target.
  for (let i = 10; i < checks.length - 2; i += 97) [checks[i], checks[i + 2]] = [checks[i + 2]!, checks[i]!];
  return checks;
}

test('rollups equal the aggregates of the raw rows at every level', async (t) => {
  const directory = tempDirectory(t);
  const store = await SqlJsHistoryStore.open({ directory, now: () => NOW });
  for (const check of generateChecks()) store.append(check);
  await store.dispose();

  const db = await openSnapshotDirectly(directory);
  t.after(() => db.close());
  for (const level of ROLLUP_LEVELS) {
    const fromRaw = queryRows(
      db,
      `SELECT tid, at / ${level.widthMs} AS bucket, count(*), sum(status = 0), sum(status = 1), sum(status = 2),
         min(CASE WHEN status <> 2 THEN total_us END), max(CASE WHEN status <> 2 THEN total_us END),
         coalesce(sum(CASE WHEN status <> 2 THEN total_us END), 0), coalesce(sum(CASE WHEN status <> 2 THEN first_byte_us END), 0), max(anomaly_e4)
       FROM checks GROUP BY tid, bucket ORDER BY tid, bucket`,
    );
    const rollups = queryRows(
      db,
      `SELECT tid, bucket, count, up, degraded, down, min_us, max_us, sum_us, first_byte_sum_us, anomaly_max_e4 FROM ${level.table} ORDER BY tid, bucket`,
    );
    assert.ok(rollups.length >= 6, `${level.name} rollups exist`);
    assert.deepEqual(rollups, fromRaw, `${level.name} rollups match the raw rows`);
  }

  // p95 from merged histograms is within the 5 % bucket width of the exact nearest-rank p95.
  const hourRows = queryRows(
    db,
    "SELECT c.total_us FROM checks c JOIN targets t USING (tid) WHERE t.id = 'a' AND status <> 2 AND at >= ? AND at < ?",
    [NOW - 2 * DAY, NOW - DAY],
  );
  const exact = exactPercentile(
    hourRows.map((row) => (row[0] as number) / 1000),
    0.95,
  )!;
  const reopened = await HistoryFollower.open({ directory, now: () => NOW });
  t.after(() => reopened.dispose());
  const stats = reopened.latencyStats('a', { from: NOW - 2 * DAY, to: NOW - DAY });
  assert.equal(stats.count, hourRows.length);
  assert.ok(stats.p95! >= exact && stats.p95! <= exact * 1.05 + 1e-9, `p95 ${stats.p95} within 5 % above exact ${exact}`);
});

test('range queries over ragged edges count every check exactly once', async (t) => {
  const directory = tempDirectory(t);
  const store = await SqlJsHistoryStore.open({ directory, now: () => NOW });
  t.after(() => store.dispose());
  const checks = generateChecks();
  for (const check of checks) store.append(check);

  const ranges = [
    { from: NOW - HOUR, to: NOW },
    { from: NOW - DAY, to: NOW },
    { from: NOW - 3 * DAY + 12_345, to: NOW - 7 * MINUTE - 999 },
    { from: NOW - 30 * DAY, to: NOW },
  ];
  for (const range of ranges) {
    const inRange = checks.filter((c) => c.targetId === 'b' && c.startedAt >= range.from && c.startedAt < range.to);
    const answered = inRange.filter((c) => c.status !== 'DOWN');
    const uptime = store.uptime('b', range.from, range.to);
    assert.equal(uptime, answered.length / inRange.length, `uptime over ${JSON.stringify(range)}`);
    const stats = store.latencyStats('b', range);
    const totals = answered.map((c) => c.totalMs);
    assert.equal(stats.count, answered.length);
    assert.equal(stats.min, Math.min(...totals));
    assert.equal(stats.max, Math.max(...totals));
    const exactAvgUs = totals.reduce((sum, ms) => sum + Math.round(ms * 1000), 0) / totals.length;
    assert.ok(Math.abs(stats.avg! - exactAvgUs / 1000) < 1e-9);
  }
  assert.equal(store.uptime('b', NOW - 10 * DAY, NOW - 9 * DAY), null, 'no checks: no uptime');
});

test('a chart series reads raw, minute or hour rows as the range needs and stays within maxPoints', async (t) => {
  const directory = tempDirectory(t);
  const store = await SqlJsHistoryStore.open({ directory, now: () => NOW });
  t.after(() => store.dispose());
  const checks = generateChecks();
  for (const check of checks) store.append(check);

  const cases = [
    { range: HOUR, source: 'raw' },
    { range: DAY, source: 'minute' },
    { range: 30 * DAY, source: 'hour' },
  ] as const;
  for (const { range, source } of cases) {
    const series = store.series('a', { from: NOW - range, to: NOW, maxPoints: 200 });
    assert.equal(series.source, source, `${range / HOUR} h`);
    assert.ok(series.points.length > 0 && series.points.length <= 200, `${series.points.length} points`);
    const total = series.points.reduce((sum, point) => sum + point.count, 0);
    const expected = checks.filter((c) => c.targetId === 'a' && c.startedAt >= NOW - range && c.startedAt < NOW).length;
    // Rollup points cover whole buckets, so the first one may reach back before `from`.
    if (source === 'raw') assert.equal(total, expected);
    else assert.ok(total >= expected && total <= expected + (source === 'minute' ? 3 : 180));
    for (const point of series.points) {
      assert.equal(point.count, point.up + point.degraded + point.down);
      if (point.avg !== null) assert.ok(point.min! <= point.avg && point.avg <= point.max! && point.p95! <= point.max!);
    }
  }
});

test('retention deletes old rows per level and leaves the rest queryable', async (t) => {
  const directory = tempDirectory(t);
  let now = NOW;
  const store = await SqlJsHistoryStore.open({ directory, now: () => now, retention: { rawMs: DAY, minuteMs: 6 * HOUR, hourMs: 2 * DAY } });
  t.after(() => store.dispose());
  for (const check of generateChecks()) store.append(check);
  now = NOW + HOUR;
  await store.runMaintenance();
  await store.flush();

  const db = await openSnapshotDirectly(directory);
  t.after(() => db.close());
  const oldest = (table: string, column: string): number => queryRows(db, `SELECT min(${column}) FROM ${table}`)[0]![0] as number;
  assert.ok(oldest('checks', 'at') >= now - DAY, 'raw rows older than a day are gone');
  assert.ok(oldest('checks', 'at') < now - DAY + MINUTE, 'raw rows younger than a day stay');
  assert.ok(oldest('rollup_minute', 'bucket') >= Math.floor((now - 6 * HOUR) / MINUTE));
  assert.ok(oldest('rollup_hour', 'bucket') >= Math.floor((now - 2 * DAY) / HOUR));
  assert.ok(oldest('rollup_day', 'bucket') <= Math.floor((NOW - 3 * DAY) / DAY), 'day rollups are kept for years');
  // Three days ago is still answered, from the day rollups: both ends fall where only whole days
  // are kept, so the range widens to the two days that hold it.
  const firstDay = Math.floor((NOW - 3 * DAY) / DAY);
  const [days] = queryRows(
    db,
    "SELECT sum(count), sum(up + degraded) FROM rollup_day JOIN targets USING (tid) WHERE id = 'a' AND bucket IN (?, ?)",
    [firstDay, firstDay + 1],
  );
  assert.equal(store.uptime('a', NOW - 3 * DAY, NOW - 2 * DAY - 2 * HOUR), (days![1] as number) / (days![0] as number));
});

test('a version 1 database is migrated: data kept, histograms rebuilt from raw rows', async (t) => {
  const directory = tempDirectory(t);
  const sql = await loadSqlJs();
  const old = new sql.Database();
  old.exec(SCHEMA_V1_DDL);
  old.exec("INSERT INTO meta VALUES ('last_seq', 3); PRAGMA user_version = 1;");
  old.exec(
    `INSERT INTO targets (tid, id, url, name, first_seen_at) VALUES (1, 'old', 'http://127.0.0.1/old', 'Old target', ${NOW - HOUR})`,
  );
  const at = NOW - 30 * MINUTE;
  const totals = [10_000, 30_000, 20_000];
  totals.forEach((totalUs, i) => {
    old.run('INSERT INTO checks VALUES (?, 1, ?, 0, NULL, 200, ?, 0, 1000, 0, ?, 0, NULL, NULL, NULL)', [
      i + 1,
      at + i * 1000,
      totalUs,
      totalUs - 1000,
    ]);
  });
  for (const level of ROLLUP_LEVELS) {
    old.run(`INSERT INTO ${level.table} VALUES (1, ?, 3, 3, 0, 0, 10000, 30000, 60000, 0, 3000, 0, 57000, 0, NULL)`, [
      Math.floor(at / level.widthMs),
    ]);
  }
  // A v1 file was a plain SQLite image: the loader accepts it as well as the gzip form.
  writeFileSync(join(directory, SNAPSHOT_FILE), old.export());
  old.close();

  const problems: unknown[] = [];
  const store = await SqlJsHistoryStore.open({ directory, now: () => NOW, onProblem: (p) => problems.push(p) });
  const stats = store.latencyStats('old', { from: at - HOUR, to: NOW });
  assert.deepEqual(stats, { count: 3, min: 10, avg: 20, p95: 30, max: 30 });
  assert.equal(store.targets()[0]?.name, 'Old target');
  store.append(makeCheck({ targetId: 'old', startedAt: at + 5000, totalMs: 40 }));
  assert.equal(store.status().lastSequence, 4, 'sequence numbers continue after the old ones');
  await store.dispose();
  assert.deepEqual(problems, []);

  const db = await openSnapshotDirectly(directory);
  t.after(() => db.close());
  assert.equal(queryRows(db, 'PRAGMA user_version')[0]![0], SCHEMA_VERSION);
  assert.equal(queryRows(db, 'SELECT count(*) FROM rollup_hour WHERE hist IS NOT NULL')[0]![0], 1);
  assert.equal(queryRows(db, 'SELECT count FROM rollup_minute')[0]![0], 4);
  // Raw checks are stored in (target, time) order without a second index repeating the key.
  assert.match(
    String(queryRows(db, "SELECT sql FROM sqlite_schema WHERE name = 'checks'")[0]![0]),
    /PRIMARY KEY \(tid, at, seq\)\s*\) WITHOUT ROWID/,
  );
  assert.deepEqual(
    queryRows(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'checks'"),
    [[0]],
    'no index beside the table',
  );
  assert.deepEqual(
    queryRows(db, 'SELECT seq, at, total_us FROM checks ORDER BY seq'),
    [...totals.map((totalUs, i) => [i + 1, at + i * 1000, totalUs]), [4, at + 5000, 40_000]],
    'the old rows kept, the new one after them',
  );
});

test('checks made during maintenance are kept and marked, and uptime leaves them out at every level', async (t) => {
  const directory = tempDirectory(t);
  const start = Date.UTC(2026, 10, 20, 0, 0, 0);
  const open = (): Promise<SqlJsHistoryStore> => SqlJsHistoryStore.open({ directory, now: () => start + 3 * HOUR });
  const store = await open();
  // Three hours, one check a minute; the middle hour is a maintenance window in which it is down.
  for (let minute = 0; minute < 180; minute++) {
    const inWindow = minute >= 60 && minute < 120;
    store.append(
      makeCheck({ startedAt: start + minute * 60_000, status: inWindow ? 'DOWN' : 'UP', ...(inWindow ? { maintenance: true } : {}) }),
    );
  }
  await store.flush();
  // Whole hours read the hour rollups; a ragged range reads minutes and raw rows.
  assert.equal(store.uptime('t1', start, start + 3 * HOUR), 1, 'the window is left out of uptime');
  assert.equal(store.uptime('t1', start + 30 * 60_000 + 1, start + 150 * 60_000 - 7), 1);
  assert.equal(store.uptime('t1', start + 60 * 60_000, start + 120 * 60_000), null, 'a range inside the window has nothing to count');
  assert.equal(store.latencyStats('t1', { from: start, to: start + 3 * HOUR }).count, 120, 'latency counts the answered checks as before');

  const { checks } = JSON.parse(store.exportRange(['t1'], { from: start, to: start + 3 * HOUR }, 'json')) as {
    checks: { maintenance?: boolean }[];
  };
  assert.equal(checks.filter((check) => check.maintenance === true).length, 60, 'each check of the window is marked');
  const csv = store
    .exportRange(['t1'], { from: start + 60 * 60_000, to: start + 61 * 60_000 }, 'csv')
    .trimEnd()
    .split('\r\n');
  assert.ok(csv[0]!.endsWith(',maintenance') && csv[1]!.endsWith(',true'));

  // Replayed from the journal alone, the marks are still there.
  const reopened = await open();
  t.after(() => reopened.dispose());
  assert.equal(reopened.uptime('t1', start, start + 3 * HOUR), 1);
});
