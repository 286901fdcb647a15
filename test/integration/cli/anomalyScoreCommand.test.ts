/** `network-monitor anomaly-score` through the real CLI entry, as a user pipes exported history in. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { runCli } from '../../support/cli';
import { makeCheck } from '../../unit/store/storeTestSupport';

test('anomaly-score prints one score in [0, 1] per row and flags a spike after a steady history', async () => {
  const start = Date.UTC(2026, 0, 1);
  const rows = ['timestamp,value'];
  for (let i = 0; i < 400; i++) rows.push(`${new Date(start + i * 60_000).toISOString()},${100 + ((i * 7) % 11)}`);
  rows.push(`${new Date(start + 400 * 60_000).toISOString()},2500`);
  const run = await runCli(['anomaly-score'], { input: rows.join('\n') + '\n' });
  assert.equal(run.code, 0, run.stderr);
  const scores = run.stdout.trim().split('\n').map(Number);
  assert.equal(scores.length, 401);
  assert.ok(scores.every((score) => score >= 0 && score <= 1));
  assert.ok(
    scores.slice(100, 400).every((score) => score < 0.5),
    'a steady history raises no flag',
  );
  assert.ok(scores[400]! >= 0.5, `the spike scored ${scores[400]}`);
});

test('anomaly-score refuses a CSV without the timestamp,value header', async () => {
  const run = await runCli(['anomaly-score'], { input: 'time;ms\n1;2\n' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /timestamp,value/);
});

test('an exported history whose names and messages hold commas, quotes and line breaks scores one row per check, each target on its own', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'nm-score-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const store = await SqlJsHistoryStore.open({ directory });
  const targets = [
    { id: 'api', url: 'http://127.0.0.1:8080/', name: 'API, "main"' },
    { id: 'db', url: 'tcp://127.0.0.1:5432', name: 'Database' },
  ];
  for (const target of targets) store.upsertTarget(target);
  const start = Date.now() - 3_600_000;
  for (let i = 0; i < 300; i++) {
    const target = targets[i % 2]!;
    const down = i === 151;
    store.append(
      makeCheck({
        targetId: target.id,
        target: target.url,
        startedAt: start + i * 1000,
        totalMs: 40 + (i % 5),
        status: down ? 'DOWN' : 'UP',
        statusCode: down ? 503 : 200,
        reason: down ? 'HTTP_STATUS' : null,
        message: down ? 'HTTP 503, "maintenance",\nback soon' : 'HTTP 200, fine',
      }),
    );
  }
  const csv = store.exportRange(undefined, { from: 0, to: Date.now() + 1 }, 'csv');
  await store.dispose();
  assert.ok(csv.includes('"API, ""main"""') && csv.includes('\nback soon'), 'the export quotes the name and keeps the line break');

  const run = await runCli(['anomaly-score'], { input: csv });
  assert.equal(run.code, 0, run.stderr);
  const scores = run.stdout.trim().split('\n').map(Number);
  assert.equal(scores.length, 300, 'one score per check, the quoted line break included');
  assert.ok(scores.every((score) => score >= 0 && score <= 1));
  assert.equal(scores[151], 0, 'the DOWN check is a failed check, read from its own row');
  // Each target has its own detector: scoring the API's rows alone gives the same scores.
  const apiOnly = csv.split('\r\n').filter((line, index) => index === 0 || line.includes(',api,'));
  const alone = await runCli(['anomaly-score'], { input: apiOnly.join('\r\n') });
  const apiScores = alone.stdout.trim().split('\n').map(Number);
  assert.deepEqual(
    apiScores,
    scores.filter((_, index) => index % 2 === 0),
  );
});
