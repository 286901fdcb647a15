import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { skipForMissing } from '../../support/testDependencies';

const FIXTURE = join(__dirname, 'fixtures', 'fullDisk.ts');

/**
 * A real full disk: a 1 MiB tmpfs mounted in a private mount namespace (`unshare -m`), so nothing
 * outside the test sees it. chmod cannot produce a write error for root, and a file-size limit
 * gives EFBIG rather than the ENOSPC users meet; a tmpfs fills up exactly like a disk does.
 */
test('a full disk keeps monitoring in memory, warns once, retries, and loses nothing', (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'nm-full-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs '${directory}'`], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    t.skip(skipForMissing('unshare', `needs a private mount namespace (unshare -m, root): ${probe.error?.message ?? probe.stderr.trim()}`));
    return;
  }
  const script = `mount -t tmpfs -o size=1m tmpfs '${directory}' && exec '${process.execPath}' --import tsx '${FIXTURE}' '${directory}'`;
  const run = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000, cwd: process.cwd() });
  assert.equal(run.status, 0, `the fixture ran: ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    journalBefore: string[];
    flushError: string | null;
    snapshotError: string | null;
    during: {
      count: number;
      status: { writeError: string | null; pendingWrites: number; durableSequence: number };
      journal: string[];
      problems: number;
    };
    after: {
      status: { writeError: string | null; pendingWrites: number; durableSequence: number; lastSequence: number };
      problems: string[];
    };
    reopenedCount: number;
    messages: string[];
  };
  assert.equal(result.flushError, 'ENOSPC');
  assert.equal(result.snapshotError, 'ENOSPC');
  assert.equal(result.during.count, 250, 'every check stays queryable in memory');
  assert.ok(result.during.status.writeError);
  assert.ok(result.during.status.pendingWrites > 0 && result.during.status.durableSequence < 250);
  for (const name of result.journalBefore)
    assert.ok(result.during.journal.includes(name), 'the saved journal is never removed while the snapshot fails');
  assert.equal(result.during.problems, 1, 'warned once, however many attempts failed');
  assert.match(result.messages[0]!, /disk is full/);
  assert.deepEqual(result.after.problems, ['write-failed', 'write-recovered']);
  assert.equal(result.after.status.writeError, null);
  assert.equal(result.after.status.durableSequence, result.after.status.lastSequence);
  assert.equal(result.reopenedCount, 250, 'nothing was lost');
});
