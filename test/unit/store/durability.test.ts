import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { HistoryQueries, StoreProblem } from '../../../src/core/store/historyStore';
import { HistoryFollower } from '../../../src/core/store/historyFollower';
import { encodeSnapshot, MAX_SNAPSHOT_IMAGE_BYTES } from '../../../src/core/store/snapshotFile';
import { SNAPSHOT_FILE, SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { makeCheck, tempDirectory } from './storeTestSupport';

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);
const segments = (directory: string): string[] => readdirSync(directory).filter((name) => name.startsWith('journal-'));

async function writeChecks(directory: string, count: number, options: { snapshot?: boolean } = {}): Promise<void> {
  const store = await SqlJsHistoryStore.open({ directory, now: () => T0 + count * 1000 });
  for (let i = 0; i < count; i++) store.append(makeCheck({ startedAt: T0 + i * 1000, totalMs: 10 + i }));
  await store.flush();
  if (options.snapshot) await store.snapshot();
  // Simulate a crash: no dispose, so no final snapshot. Timers are unref'd and stop with the test.
}

const countChecks = (store: HistoryQueries): number => store.latencyStats('t1', { from: T0, to: T0 + 1e9 }).count;

test('the journal alone restores every flushed check, and a torn last line is dropped silently', async (t) => {
  const directory = tempDirectory(t);
  await writeChecks(directory, 50);
  const [segment] = segments(directory);
  const path = join(directory, segment!);
  truncateSync(path, statSync(path).size - 7);

  const problems: StoreProblem[] = [];
  const store = await SqlJsHistoryStore.open({ directory, onProblem: (p) => problems.push(p) });
  t.after(() => store.dispose());
  assert.equal(countChecks(store), 49);
  assert.deepEqual(problems, [], 'a line cut short by a crash is expected, not reported');
  store.append(makeCheck({ startedAt: T0 + 100_000 }));
  assert.equal(store.status().lastSequence, 50, 'the torn sequence number is reused, leaving no gap');
});

test('replay is idempotent: a crash between the snapshot rename and the journal deletion adds nothing twice', async (t) => {
  const directory = tempDirectory(t);
  const store = await SqlJsHistoryStore.open({ directory });
  for (let i = 0; i < 30; i++) store.append(makeCheck({ startedAt: T0 + i * 1000 }));
  await store.flush();
  const [segment] = segments(directory);
  copyFileSync(join(directory, segment!), join(directory, 'saved-segment'));
  await store.dispose();
  assert.deepEqual(segments(directory), [], 'the final snapshot made the journal obsolete');
  // Put the old segment back, as if the process died right after the rename.
  copyFileSync(join(directory, 'saved-segment'), join(directory, segment!));

  const reopened = await SqlJsHistoryStore.open({ directory });
  t.after(() => reopened.dispose());
  assert.equal(countChecks(reopened), 30);
  assert.equal(reopened.status().lastSequence, 30);
});

test('a damaged snapshot is moved aside with a timestamp, reported once, and the journal still restores', async (t) => {
  const directory = tempDirectory(t);
  await writeChecks(directory, 20, { snapshot: true });
  await writeChecks(directory, 0);
  // Newer checks only in the journal, then the snapshot gets damaged.
  const store = await SqlJsHistoryStore.open({ directory });
  for (let i = 20; i < 25; i++) store.append(makeCheck({ startedAt: T0 + i * 1000 }));
  await store.flush();
  const snapshot = readFileSync(join(directory, SNAPSHOT_FILE));
  snapshot.fill(0x55, 100, 400);
  writeFileSync(join(directory, SNAPSHOT_FILE), snapshot);

  const problems: StoreProblem[] = [];
  const recovered = await SqlJsHistoryStore.open({ directory, onProblem: (p) => problems.push(p) });
  t.after(() => recovered.dispose());
  assert.equal(problems.length, 1);
  const [problem] = problems;
  assert.equal(problem?.kind, 'corrupt-file');
  if (problem?.kind !== 'corrupt-file') return;
  assert.match(problem.movedTo ?? '', /history\.db\.gz\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
  assert.deepEqual(readFileSync(problem.movedTo!), snapshot, 'the damaged file is kept as it was');
  assert.match(problem.message, /damaged/);
  assert.equal(countChecks(recovered), 5, 'the checks still in the journal are back');
  // Monitoring goes on: new checks are saved in a fresh, readable snapshot.
  recovered.append(makeCheck({ startedAt: T0 + 60_000 }));
  await recovered.snapshot();
  const again = await HistoryFollower.open({ directory, onProblem: (p) => problems.push(p) });
  t.after(() => again.dispose());
  assert.equal(countChecks(again), 6);
  assert.equal(problems.length, 1, 'reported once');
});

test('a snapshot that inflates past what a history can be is set aside as damaged, and the journal still restores', async (t) => {
  const directory = tempDirectory(t);
  await writeChecks(directory, 20, { snapshot: true });
  const store = await SqlJsHistoryStore.open({ directory });
  for (let i = 20; i < 25; i++) store.append(makeCheck({ startedAt: T0 + i * 1000 }));
  await store.flush();
  // The real database, then zeros to past the limit: gzip members of 16 MiB of zeros, 16 KB each.
  // SQLite would open the image and ignore what follows its last page, so only the limit refuses it.
  const image = gunzipSync(readFileSync(join(directory, SNAPSHOT_FILE)));
  const zeros = 16 * 1024 * 1024;
  const zeroMember = gzipSync(Buffer.alloc(zeros), { level: 9 });
  const members = [
    gzipSync(image),
    ...Array.from({ length: Math.ceil((MAX_SNAPSHOT_IMAGE_BYTES - image.length) / zeros) + 1 }, () => zeroMember),
  ];
  writeFileSync(join(directory, SNAPSHOT_FILE), Buffer.concat(members));

  const problems: StoreProblem[] = [];
  const recovered = await SqlJsHistoryStore.open({ directory, onProblem: (p) => problems.push(p) });
  t.after(() => recovered.dispose());
  assert.equal(problems.length, 1, problems.map((problem) => problem.message).join('\n'));
  const [problem] = problems;
  assert.equal(problem?.kind, 'corrupt-file');
  assert.match(problem?.message ?? '', /damaged\. The snapshot holds a database larger than 1 GiB/);
  assert.match(problem?.kind === 'corrupt-file' ? (problem.movedTo ?? '') : '', /history\.db\.gz\.corrupt-/, 'kept aside, not deleted');
  assert.equal(countChecks(recovered), 5, 'the checks still in the journal are back');
});

test('the writer never writes a snapshot it would refuse to read', async () => {
  await assert.rejects(
    encodeSnapshot(new Uint8Array(MAX_SNAPSHOT_IMAGE_BYTES + 1)),
    /cannot be saved as a snapshot: its database is larger than 1 GiB/,
  );
});

test('a journal damaged in the middle keeps its readable lines and is moved aside', async (t) => {
  const directory = tempDirectory(t);
  await writeChecks(directory, 40);
  const [segment] = segments(directory);
  const path = join(directory, segment!);
  const lines = readFileSync(path, 'utf8').split('\n');
  lines[10] = lines[10]!.replace('"UP"', '"XX"');
  writeFileSync(path, lines.join('\n'));

  const problems: StoreProblem[] = [];
  const store = await SqlJsHistoryStore.open({ directory, onProblem: (p) => problems.push(p) });
  t.after(() => store.dispose());
  assert.equal(countChecks(store), 39, 'only the damaged line is lost');
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.message, /1 damaged line/);
  assert.ok(readdirSync(directory).some((name) => name.startsWith(`${segment}.corrupt-`)));
});

test('a read-only view follows the writer through journal flushes and snapshots, and refuses to write', async (t) => {
  const directory = tempDirectory(t);
  const writer = await SqlJsHistoryStore.open({ directory });
  t.after(() => writer.dispose());
  for (let i = 0; i < 10; i++) writer.append(makeCheck({ startedAt: T0 + i * 1000 }));
  writer.upsertTarget({ id: 't1', url: 'http://127.0.0.1:8080/', name: 'Local API' });
  await writer.flush();

  const reader = await HistoryFollower.open({ directory, refreshIntervalMs: 60_000 });
  t.after(() => reader.dispose());
  assert.equal(countChecks(reader), 10);
  assert.equal(reader.targets()[0]?.name, 'Local API');
  // A follower has no way to write: none of the writer's methods are there to call.
  for (const method of ['append', 'recordStateChange', 'upsertTarget', 'flush', 'snapshot', 'runMaintenance'])
    assert.equal((reader as unknown as Record<string, unknown>)[method], undefined, method);

  let changes = 0;
  reader.onDidChange(() => changes++);
  for (let i = 10; i < 15; i++) writer.append(makeCheck({ startedAt: T0 + i * 1000 }));
  await writer.flush();
  await reader.refresh();
  assert.equal(countChecks(reader), 15);
  assert.equal(changes, 1);

  // The writer snapshots and deletes the journal it covered; the reader reloads the snapshot.
  for (let i = 15; i < 20; i++) writer.append(makeCheck({ startedAt: T0 + i * 1000 }));
  await writer.snapshot();
  writer.append(makeCheck({ startedAt: T0 + 20_000 }));
  await writer.flush();
  await reader.refresh();
  assert.equal(countChecks(reader), 21);
  assert.deepEqual(reader.latest('t1')?.startedAt, T0 + 20_000);
});

test('state changes make incidents, and exports carry the checks of the range', async (t) => {
  const directory = tempDirectory(t);
  const store = await SqlJsHistoryStore.open({ directory });
  t.after(() => store.dispose());
  store.recordStateChange({ targetId: 't1', at: T0, from: 'UNKNOWN', to: 'UP', reason: null, message: 'HTTP 200' });
  store.recordStateChange({ targetId: 't1', at: T0 + 60_000, from: 'UP', to: 'DEGRADED', reason: 'SLOW', message: 'Slow' });
  store.recordStateChange({ targetId: 't1', at: T0 + 120_000, from: 'DEGRADED', to: 'DOWN', reason: 'TIMEOUT', message: 'No answer' });
  store.recordStateChange({ targetId: 't1', at: T0 + 300_000, from: 'DOWN', to: 'UP', reason: null, message: 'Back' });
  store.recordStateChange({ targetId: 't1', at: T0 + 400_000, from: 'UP', to: 'DOWN', reason: 'CONNECTION_REFUSED', message: 'Refused' });
  assert.deepEqual(store.incidents('t1', { from: T0, to: T0 + 1e6 }), [
    { targetId: 't1', startedAt: T0 + 60_000, endedAt: T0 + 300_000, worst: 'DOWN', reason: 'TIMEOUT', message: 'No answer' },
    { targetId: 't1', startedAt: T0 + 400_000, endedAt: null, worst: 'DOWN', reason: 'CONNECTION_REFUSED', message: 'Refused' },
  ]);
  assert.equal(store.incidents(undefined, { from: T0 + 310_000, to: T0 + 390_000 }).length, 0);

  store.append(makeCheck({ startedAt: T0, totalMs: 12.34 }));
  store.append(
    makeCheck({ startedAt: T0 + 1000, status: 'DOWN', reason: 'HTTP_STATUS', statusCode: 500, message: '=HYPERLINK("x"), "quoted"' }),
  );
  const csv = store
    .exportRange(['t1'], { from: T0, to: T0 + 2000 }, 'csv')
    .trimEnd()
    .split('\r\n');
  assert.equal(csv.length, 3);
  assert.match(csv[0]!, /^time,started_at_ms,target_id,/);
  assert.match(csv[1]!, /,UP,,200,12\.34,/);
  assert.ok(
    csv[2]!.endsWith(`"'=HYPERLINK(""x""), ""quoted""",`),
    'formula-like text is neutralised and quoted; the maintenance column after it is empty',
  );
  const json = JSON.parse(store.exportRange(undefined, { from: T0, to: T0 + 2000 }, 'json')) as {
    checks: { status: string; statusCode: number }[];
  };
  assert.deepEqual(
    json.checks.map((c) => [c.status, c.statusCode]),
    [
      ['UP', 200],
      ['DOWN', 500],
    ],
  );
});
