/**
 * A history file that cannot be used right now is not a damaged one: a read error that passes
 * (EMFILE) is retried, a read error that stays, and a file written by a newer version, are
 * reported and left exactly as they are, never moved aside or replaced.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { StoreProblem } from '../../../src/core/store/historyStore';
import { HistoryFollower } from '../../../src/core/store/historyFollower';
import { SNAPSHOT_FILE, SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { loadSqlJs } from '../../../src/core/store/sqlJsLoader';
import { runCli } from '../../support/cli';
import { makeCheck, tempDirectory } from '../../unit/store/storeTestSupport';

const FIXTURE = join(__dirname, 'fixtures', 'openWithoutFileDescriptors.ts');

async function seedHistory(directory: string, checks: number): Promise<void> {
  const store = await SqlJsHistoryStore.open({ directory });
  for (let i = 0; i < checks; i++) store.append(makeCheck({ startedAt: Date.now() - (checks - i) * 1000 }));
  await store.dispose();
}

test('a snapshot that cannot be read for a moment (every file descriptor taken) is read again, not moved aside', async (t) => {
  const directory = tempDirectory(t);
  await seedHistory(directory, 20);
  const before = readdirSync(directory).sort();

  const run = spawnSync('bash', ['-c', `ulimit -n 256 && exec "${process.execPath}" --import tsx "${FIXTURE}" "${directory}" 250`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const outcome = JSON.parse(run.stdout.trim()) as { exhausted: boolean; checks?: number; error?: string };
  assert.equal(outcome.exhausted, true, 'the child could not take every file descriptor, so nothing was tried');
  assert.deepEqual(outcome, { exhausted: true, checks: 20 });
  assert.deepEqual(
    readdirSync(directory)
      .sort()
      .filter((name) => name.includes('corrupt')),
    [],
  );
  assert.ok(before.includes(SNAPSHOT_FILE) && readdirSync(directory).includes(SNAPSHOT_FILE));
});

test('a snapshot that stays unreadable is reported and left where it is, for the writer and a reading window', async (t) => {
  const directory = tempDirectory(t);
  // A folder where the file should be: every read fails with EISDIR, which does not pass.
  mkdirSync(join(directory, SNAPSHOT_FILE));
  for (const open of [SqlJsHistoryStore.open, HistoryFollower.open]) {
    const problems: StoreProblem[] = [];
    await assert.rejects(
      open({ directory, onProblem: (problem) => problems.push(problem) }),
      /cannot be read \(EISDIR.*It was left as it is/,
    );
    assert.deepEqual(
      problems.map((problem) => problem.kind),
      ['unreadable'],
    );
  }
  assert.deepEqual(readdirSync(directory), [SNAPSHOT_FILE]);
});

test('a history written by a newer version is left as it is, with a message that says so', async (t) => {
  const directory = tempDirectory(t);
  const sql = await loadSqlJs();
  const newer = new sql.Database();
  newer.exec('CREATE TABLE checks (at INTEGER); INSERT INTO checks VALUES (1); PRAGMA user_version = 99;');
  const bytes = gzipSync(newer.export());
  newer.close();
  writeFileSync(join(directory, SNAPSHOT_FILE), bytes);

  for (const open of [SqlJsHistoryStore.open, HistoryFollower.open]) {
    const problems: StoreProblem[] = [];
    await assert.rejects(
      open({ directory, onProblem: (problem) => problems.push(problem) }),
      /schema version 99, newer than this version of Network Monitor understands .* The file was left as it is/,
    );
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.kind, 'unreadable');
  }
  const exported = await runCli(['export', '--data-dir', directory]);
  assert.equal(exported.code, 1);
  assert.match(exported.stderr, /^network-monitor: The history database has schema version 99, newer/);
  assert.deepEqual(readdirSync(directory), [SNAPSHOT_FILE], 'nothing was moved aside or added');
  assert.ok(readFileSync(join(directory, SNAPSHOT_FILE)).equals(bytes), 'the newer file is unchanged');
});
