/** `network-monitor anomaly-score` through the real CLI entry, as a user pipes exported history in. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../support/cli';

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
  assert.ok(scores.slice(100, 400).every((score) => score < 0.5), 'a steady history raises no flag');
  assert.ok(scores[400]! >= 0.5, `the spike scored ${scores[400]}`);
});

test('anomaly-score refuses a CSV without the timestamp,value header', async () => {
  const run = await runCli(['anomaly-score'], { input: 'time;ms\n1;2\n' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /timestamp,value/);
});
