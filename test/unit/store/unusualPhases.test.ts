/**
 * The phase that made an anomalous check unusual is kept in the history (schema version 6): the
 * anomaly queries and the last check carry it after a reopen, an older file opens and takes it,
 * and a file that holds something else than a phase of ours shows no phase at all.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SCHEMA_VERSION } from '../../../src/core/store/schema';
import { SNAPSHOT_FILE, SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { makeCheck, openSnapshotDirectly, queryRows, tempDirectory } from './storeTestSupport';

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const MINUTE = 60_000;
const RANGE = { from: NOW - 60 * MINUTE, to: NOW + 1 };

function open(directory: string): Promise<SqlJsHistoryStore> {
  return SqlJsHistoryStore.open({ directory, now: () => NOW });
}

test('an anomalous check keeps its unusual phase across a reopen, in the anomaly hits and the last check', async (t) => {
  const directory = tempDirectory(t);
  const store = await open(directory);
  store.append(makeCheck({ targetId: 'a', startedAt: NOW - 3 * MINUTE, anomalyScore: 0.8 }));
  store.append(makeCheck({ targetId: 'a', startedAt: NOW - 2 * MINUTE, anomalyScore: 0.9, unusualPhase: { phase: 'tls', factor: 2.34 } }));
  store.append(makeCheck({ targetId: 'b', startedAt: NOW - MINUTE, anomalyScore: 0.7, unusualPhase: { phase: 'dns', factor: 8 } }));
  await store.dispose();

  const reopened = await open(directory);
  t.after(() => reopened.dispose());
  const hits = reopened.anomalies(RANGE, 0.5);
  assert.deepEqual(
    hits.map((hit) => [hit.targetId, hit.unusualPhase]),
    [
      ['a', undefined],
      ['a', { phase: 'tls', factor: 2.34 }],
      ['b', { phase: 'dns', factor: 8 }],
    ],
  );
  assert.deepEqual(
    reopened.anomalies(RANGE, 0.5, 10, 'a').map((hit) => hit.startedAt),
    [NOW - 3 * MINUTE, NOW - 2 * MINUTE],
    'asked for one target, only its checks',
  );
  assert.deepEqual(reopened.latest('b')?.unusualPhase, { phase: 'dns', factor: 8 });
});

test('a version 5 file opens, keeps its checks and takes the phases of new ones', async (t) => {
  const directory = tempDirectory(t);
  const first = await open(directory);
  first.append(makeCheck({ targetId: 'a', startedAt: NOW - 5 * MINUTE, anomalyScore: 0.9 }));
  await first.dispose();
  // The file as the version before this one wrote it: no table of phases.
  const older = await openSnapshotDirectly(directory);
  older.exec('DROP TABLE unusual_phases; PRAGMA user_version = 5;');
  writeFileSync(join(directory, SNAPSHOT_FILE), older.export());
  older.close();

  const store = await open(directory);
  assert.equal(store.anomalies(RANGE, 0.5).length, 1, 'the older check is still there');
  store.append(makeCheck({ targetId: 'a', startedAt: NOW - MINUTE, anomalyScore: 0.9, unusualPhase: { phase: 'transfer', factor: 3 } }));
  assert.deepEqual(
    store.anomalies(RANGE, 0.5).map((hit) => hit.unusualPhase),
    [undefined, { phase: 'transfer', factor: 3 }],
  );
  await store.dispose();
  const db = await openSnapshotDirectly(directory);
  t.after(() => db.close());
  assert.equal(queryRows(db, 'PRAGMA user_version')[0]![0], SCHEMA_VERSION);
});

test('a file whose phases are not ours shows no phase', async (t) => {
  const directory = tempDirectory(t);
  const first = await open(directory);
  first.append(makeCheck({ targetId: 'a', startedAt: NOW - 2 * MINUTE, anomalyScore: 0.9, unusualPhase: { phase: 'tls', factor: 2 } }));
  await first.dispose();
  const tampered = await openSnapshotDirectly(directory);
  const link = '[open](command:workbench.action.terminal.new)';
  tampered.run('UPDATE unusual_phases SET phase = ?', [link]);
  tampered.run('UPDATE latest SET record = ?', [
    JSON.stringify(
      makeCheck({ targetId: 'a', startedAt: NOW - 2 * MINUTE, anomalyScore: 0.9, unusualPhase: { phase: link, factor: 2 } as never }),
    ),
  ]);
  writeFileSync(join(directory, SNAPSHOT_FILE), tampered.export());
  tampered.close();

  const store = await open(directory);
  t.after(() => store.dispose());
  const [hit] = store.anomalies(RANGE, 0.5);
  assert.equal(hit?.startedAt, NOW - 2 * MINUTE);
  assert.equal(hit?.unusualPhase, undefined);
  assert.equal(store.latest('a')?.unusualPhase, undefined);
});
