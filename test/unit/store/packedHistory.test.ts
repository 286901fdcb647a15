import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { HistoryDatabase } from '../../../src/core/store/historyDatabase';
import type { StoreProblem } from '../../../src/core/store/historyStore';
import { DamagedPackError, packRows, unpackRows } from '../../../src/core/store/packedRows';
import { PACKED_LAYOUTS, PackedTable } from '../../../src/core/store/packedTables';
import { migrate } from '../../../src/core/store/schema';
import { loadSqlJs } from '../../../src/core/store/sqlJsLoader';
import { HistoryFollower } from '../../../src/core/store/historyFollower';
import { SNAPSHOT_FILE, SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { makeCheck, openSnapshotDirectly, queryRows, tempDirectory } from './storeTestSupport';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 24, 13, 47, 31, 250);

test('packed rows come back exactly as they went in, every SQLite type included', () => {
  const rows = [
    [NOW, 1, 0, null, 200, 50_123, -7, 2 ** 52, 1.5, 'HTTP 200 ✓', new Uint8Array([1, 2, 255])],
    [NOW + MINUTE, 2, 2, 'TIMEOUT', null, 0, -(2 ** 40), 1 - 2 ** 53, -0.25, '', new Uint8Array([])],
    [NOW - 1, 3, 1, 'SLOW', 503, 9_999_999, 0, 0, Number.MAX_VALUE, 'a\nb,"c"', null],
  ];
  assert.deepEqual(unpackRows(packRows(rows, 11), 11), rows);
  assert.deepEqual(unpackRows(packRows([], 3), 3), []);
});

test('damaged packs are refused with a clear error, never read as other rows', () => {
  const packed = packRows([[1, 'x', null]], 3);
  assert.throws(() => unpackRows(packed.subarray(0, packed.length - 2), 3), DamagedPackError);
  assert.throws(() => unpackRows(new Uint8Array([1, 2, 3, 4, 5]), 3), DamagedPackError);
  assert.throws(() => unpackRows(packed, 4), /wrong number of columns/);
});

/** Two days of checks every minute for two targets, some slow and scored. */
function twoDaysOfChecks() {
  const checks = [];
  for (let minute = 0; minute < 2 * 24 * 60; minute++) {
    const at = NOW - 2 * 24 * HOUR + minute * MINUTE;
    for (const targetId of ['a', 'b']) {
      const slow = minute % 97 === 0;
      checks.push(
        makeCheck({
          targetId,
          target: `http://127.0.0.1/${targetId}`,
          startedAt: at + (targetId === 'a' ? 0 : 500),
          status: minute % 53 === 0 ? 'DOWN' : 'UP',
          totalMs: slow ? 900 : 20 + (minute % 7),
          anomalyScore: slow ? 0.9 : 0.1,
        }),
      );
    }
  }
  return checks;
}

test('sealed spans are packed, and every answer is the same as from plain rows', async (t) => {
  const plainDirectory = tempDirectory(t);
  const packedDirectory = tempDirectory(t);
  const checks = twoDaysOfChecks();
  // The same checks, once while they are all current (nothing sealed yet) and once after.
  const plain = await SqlJsHistoryStore.open({ directory: plainDirectory, now: () => NOW - 3 * 24 * HOUR });
  const packed = await SqlJsHistoryStore.open({ directory: packedDirectory, now: () => NOW });
  t.after(async () => {
    await plain.dispose();
    await packed.dispose();
  });
  for (const check of checks) {
    plain.append(check);
    packed.append(check);
  }
  await packed.snapshot();

  const db = await openSnapshotDirectly(packedDirectory);
  t.after(() => db.close());
  const raw = await loadSqlJs().then((sql) => new sql.Database(gunzipSync(readFileSync(join(packedDirectory, SNAPSHOT_FILE)))));
  t.after(() => raw.close());
  // 48 sealed hours per target; the last quarter hour is still plain rows.
  assert.equal(queryRows(raw, 'SELECT count(*) FROM checks_packed')[0]![0], 96);
  assert.ok((queryRows(raw, 'SELECT count(*) FROM checks')[0]![0] as number) < 2 * 60);
  assert.ok((queryRows(raw, 'SELECT count(*) FROM rollup_minute_packed')[0]![0] as number) >= 96);
  assert.equal(queryRows(db, 'SELECT count(*) FROM checks')[0]![0], checks.length, 'unpacked, every check is there');

  // The plain store answers with a "now" at which the checks all fall in its raw retention too.
  const range = { from: NOW - 30 * HOUR - 17 * MINUTE, to: NOW - 2 * HOUR + 7 * MINUTE };
  for (const targetId of ['a', 'b']) {
    assert.deepEqual(packed.latencyStats(targetId, range), plain.latencyStats(targetId, range));
    assert.equal(packed.uptime(targetId, range.from, range.to), plain.uptime(targetId, range.from, range.to));
    const rawSeries = { from: NOW - 5 * HOUR - 30_000, to: NOW, maxPoints: 300 };
    assert.deepEqual(packed.series(targetId, rawSeries), plain.series(targetId, rawSeries));
  }
  assert.equal(packed.exportRange(undefined, range, 'csv'), plain.exportRange(undefined, range, 'csv'));
  assert.deepEqual(packed.anomalies(range, 0.5), plain.anomalies(range, 0.5));
  assert.ok(packed.anomalies(range, 0.5).length > 10, 'the slow checks are found in their packs');
});

test('a late check for a sealed hour is counted in that hour, and packed again at the next seal', async (t) => {
  const directory = tempDirectory(t);
  const store = await SqlJsHistoryStore.open({ directory, now: () => NOW });
  for (let at = NOW - 3 * HOUR; at < NOW - 2 * HOUR; at += MINUTE) store.append(makeCheck({ startedAt: at, totalMs: 10 }));
  await store.snapshot();
  const hour = { from: NOW - 3 * HOUR, to: NOW - 2 * HOUR };
  assert.equal(store.latencyStats('t1', hour).count, 60);
  store.append(makeCheck({ startedAt: NOW - 3 * HOUR + 30_000, totalMs: 1000 }));
  assert.equal(store.latencyStats('t1', hour).count, 61);
  assert.equal(store.latencyStats('t1', hour).max, 1000);
  await store.dispose();

  const reopened = await HistoryFollower.open({ directory, now: () => NOW });
  t.after(() => reopened.dispose());
  assert.equal(reopened.latencyStats('t1', hour).count, 61);
  assert.equal(reopened.exportRange(['t1'], hour, 'json').match(/"startedAt"/g)?.length, 61);
  const sql = await loadSqlJs();
  const raw = new sql.Database(gunzipSync(readFileSync(join(directory, SNAPSHOT_FILE))));
  t.after(() => raw.close());
  assert.deepEqual(queryRows(raw, 'SELECT sum(rows) FROM checks_packed'), [[61]], 'the late check is packed with its hour');
  assert.deepEqual(queryRows(raw, 'SELECT count(*) FROM checks'), [[0]]);
});

test('a damaged pack is left out and said once; the rest of the history still answers', async (t) => {
  const directory = tempDirectory(t);
  const store = await SqlJsHistoryStore.open({ directory, now: () => NOW });
  for (let at = NOW - 4 * HOUR; at < NOW - 2 * HOUR; at += MINUTE) store.append(makeCheck({ startedAt: at }));
  await store.dispose();
  const sql = await loadSqlJs();
  const file = join(directory, SNAPSHOT_FILE);
  const db = new sql.Database(gunzipSync(readFileSync(file)));
  db.run('UPDATE checks_packed SET data = ? WHERE span_key = (SELECT min(span_key) FROM checks_packed)', [new Uint8Array([7, 7, 7])]);
  writeFileSync(file, gzipSync(db.export()));
  db.close();

  const problems: StoreProblem[] = [];
  const reopened = await HistoryFollower.open({ directory, now: () => NOW, onProblem: (p) => problems.push(p) });
  t.after(() => reopened.dispose());
  const twoHours = { from: NOW - 5 * HOUR, to: NOW };
  const exported = reopened.exportRange(['t1'], twoHours, 'json');
  reopened.exportRange(['t1'], twoHours, 'json');
  assert.ok((exported.match(/"startedAt"/g)?.length ?? 0) >= 60, 'the undamaged hour is exported');
  assert.ok((exported.match(/"startedAt"/g)?.length ?? 0) < 120, 'the damaged hour is left out');
  assert.equal(problems.length, 1);
  assert.match((problems[0] as { message: string }).message, /damaged and left out/);
});

test('a history of plain rows is packed in bounded steps after it opens, answering the same throughout', async (t) => {
  const directory = tempDirectory(t);
  // Recorded while every check was current, so the file holds them all as plain rows.
  const before = await SqlJsHistoryStore.open({ directory, now: () => NOW - 3 * 24 * HOUR });
  for (const check of twoDaysOfChecks()) before.append(check);
  await before.dispose();
  const range = { from: NOW - 40 * HOUR - 3 * MINUTE, to: NOW - HOUR };

  const sql = await loadSqlJs();
  const image = gunzipSync(readFileSync(join(directory, SNAPSHOT_FILE)));
  const db = HistoryDatabase.open(
    sql,
    image,
    { rawMs: 7 * 24 * HOUR, minuteMs: 2 * 24 * HOUR, hourMs: 90 * 24 * HOUR, dayMs: 365 * 24 * HOUR },
    () => NOW,
  );
  t.after(() => db.close());
  const expected = db.exportRange(undefined, range, 'csv');
  const stats = db.latencyStats('a', range);
  const steps: number[] = [];
  for (let step = 0; step < 100; step++) {
    const moved = db.sealSpans(500);
    if (moved === 0) break;
    steps.push(moved);
    assert.equal(db.exportRange(undefined, range, 'csv'), expected, `the export is the same after step ${steps.length}`);
  }
  assert.ok(steps.length > 10, `packed in ${steps.length} steps`);
  // A span is never split, so a step may pass the bound by one span: an hour holds 60 checks (or
  // 60 minute rollups) of one target.
  assert.ok(Math.max(...steps) <= 500 + 60, `no step moved much more than the bound (${Math.max(...steps)})`);
  assert.deepEqual(db.latencyStats('a', range), stats);

  const store = await SqlJsHistoryStore.open({ directory, now: () => NOW });
  t.after(() => store.dispose());
  await store.whenPacked();
  await store.snapshot();
  const packed = new sql.Database(gunzipSync(readFileSync(join(directory, SNAPSHOT_FILE))));
  t.after(() => packed.close());
  assert.ok((queryRows(packed, 'SELECT count(*) FROM checks')[0]![0] as number) < 2 * 60, 'only the current quarter hour is left as rows');
  assert.equal(store.exportRange(undefined, range, 'csv'), expected);
});

test('sealing a span that has a pack and plain rows too keeps every row of both, once', async (t) => {
  const sql = await loadSqlJs();
  const db = new sql.Database();
  t.after(() => db.close());
  migrate(db);
  const checks = new PackedTable(db, PACKED_LAYOUTS.checks);
  const hourStart = Math.floor((NOW - 3 * HOUR) / HOUR) * HOUR;
  let seq = 0;
  // Plain rows written straight into the table, as a hand-edited file (or a late check the store
  // did not unpack first) would hold them.
  const insert = (at: number): void => {
    seq++;
    db.run(
      `INSERT INTO checks (seq, tid, at, status, total_us, dns_us, connect_us, tls_us, first_byte_us, transfer_us)
       VALUES (?, 1, ?, 0, ?, 0, 0, 0, 0, 0)`,
      [seq, at, seq * 10],
    );
  };
  for (let minute = 0; minute < 60; minute += 2) insert(hourStart + minute * MINUTE);
  assert.equal(checks.seal(NOW), 30);
  assert.deepEqual(queryRows(db, 'SELECT count(*) FROM checks'), [[0]], 'the hour is packed');
  for (let minute = 1; minute < 60; minute += 2) insert(hourStart + minute * MINUTE);
  assert.equal(checks.seal(NOW), 30, 'only the plain rows are counted as moved');

  assert.deepEqual(queryRows(db, 'SELECT count(*), sum(rows) FROM checks_packed'), [[1, 60]], 'one pack holds the hour');
  const expectedSeqs = Array.from({ length: 60 }, (_, minute) => (minute % 2 === 0 ? minute / 2 + 1 : 30 + (minute + 1) / 2));
  const read = checks.rows(1, hourStart, hourStart + HOUR);
  assert.deepEqual(
    read.map((row) => row[0]),
    Array.from({ length: 60 }, (_, minute) => hourStart + minute * MINUTE),
    'every minute, old and new, in time order',
  );
  assert.deepEqual(
    read.map((row) => row[1]),
    expectedSeqs,
  );
  assert.equal(checks.count(1, hourStart, hourStart + HOUR), 60);
  checks.unpackAll();
  assert.deepEqual(
    queryRows(db, 'SELECT seq FROM checks ORDER BY at').map(([value]) => value),
    expectedSeqs,
    'unpacked, each row is there once',
  );
  assert.deepEqual(queryRows(db, 'SELECT count(*) FROM checks_packed'), [[0]]);
});
