/**
 * Every file the extension and the CLI write in their storage folders is readable by its owner
 * only, whatever the umask, and a link planted where a file is created is never written through.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readOrCreateTokenFile } from '../../../src/cli/cliApi';
import { ensurePrivateDirectory, openPrivateExclusive, UnsafeDirectoryError } from '../../../src/core/store/privateFiles';
import { runCli } from '../../support/cli';
import { SharedTargetsBoard } from '../../../src/core/coordination/sharedTargets';
import { SNAPSHOT_FILE, SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { LEASE_FILE, WriterLease } from '../../../src/core/coordination/writerLease';
import { DEFAULT_TARGET_DEFAULTS } from '../../../src/core/targets/target';
import { makeCheck, tempDirectory } from '../../unit/store/storeTestSupport';

const POSIX = process.platform !== 'win32';

/** Mode bits of every file and folder under `root` (the root included), by relative path. */
function modesUnder(root: string): Map<string, { directory: boolean; mode: number }> {
  const modes = new Map<string, { directory: boolean; mode: number }>();
  const walk = (path: string, relative: string): void => {
    const stat = lstatSync(path);
    modes.set(relative || '.', { directory: stat.isDirectory(), mode: stat.mode & 0o777 });
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name), relative ? `${relative}/${name}` : name);
  };
  walk(root, '');
  return modes;
}

test(
  "with a permissive umask, the history, the lease, the windows' files, their notices and the API token are 0600 in 0700 folders",
  { skip: !POSIX },
  async (t) => {
    const parent = tempDirectory(t);
    const storage = join(parent, 'globalStorage');
    const previousUmask = process.umask(0o000);
    try {
      const lease = await WriterLease.start({ directory: storage, heartbeatMs: 200 });
      const board = await SharedTargetsBoard.start({ directory: storage, windowId: 'window-a', heartbeatMs: 200 }, [
        { id: 'site', entry: 'http://127.0.0.1:1/', defaults: DEFAULT_TARGET_DEFAULTS, paused: false },
      ]);
      await board.deliver('window-b', [{ type: 'note', text: 'hello' }]);
      const store = await SqlJsHistoryStore.open({ directory: storage });
      for (let i = 0; i < 5; i++) store.append(makeCheck({ startedAt: Date.now() - i * 1000 }));
      await store.flush();
      await store.snapshot();
      store.append(makeCheck({ startedAt: Date.now() }));
      await store.flush();
      await readOrCreateTokenFile(join(storage, 'api-token'));

      const modes = modesUnder(storage);
      const names = [...modes.keys()];
      for (const expected of [LEASE_FILE, SNAPSHOT_FILE, 'windows', 'windows/window-a.json', 'windows/window-b.notices', 'api-token']) {
        assert.ok(names.includes(expected), `${expected} was written (found ${names.join(', ')})`);
      }
      assert.ok(
        names.some((name) => name.startsWith('journal-')),
        'a journal segment was written',
      );
      for (const [name, { directory, mode }] of modes) {
        assert.equal(mode.toString(8), directory ? '700' : '600', `${name} has mode ${mode.toString(8)}`);
      }
      await store.dispose();
      await board.dispose();
      await lease.dispose();
    } finally {
      process.umask(previousUmask);
    }
  },
);

test('a storage folder made wider by someone else is narrowed to 0700, its parents left alone', { skip: !POSIX }, async (t) => {
  const parent = tempDirectory(t);
  chmodSync(parent, 0o755);
  const storage = join(parent, 'storage');
  mkdirSync(storage, { mode: 0o777 });
  chmodSync(storage, 0o777);
  await ensurePrivateDirectory(storage);
  assert.equal((statSync(storage).mode & 0o777).toString(8), '700');
  assert.equal((statSync(parent).mode & 0o777).toString(8), '755');
});

test(
  'a storage folder reached through a symlink is narrowed where it really is, and its real path is what is used',
  { skip: !POSIX },
  async (t) => {
    const parent = tempDirectory(t);
    const real = join(parent, 'on-another-disk');
    mkdirSync(real, { mode: 0o777 });
    chmodSync(real, 0o777);
    const link = join(parent, '.network-monitor');
    symlinkSync(real, link);
    const used = await ensurePrivateDirectory(link);
    assert.equal((statSync(real).mode & 0o777).toString(8), '700');
    assert.equal(used, realpathSync(real));
  },
);

// Only root can give a folder to another user, so only root can set the scene.
const AS_ROOT = POSIX && process.getuid?.() === 0;
const OTHER_UID = 4242;

test(
  "another user's folder, reached directly or through a symlink, is refused with a message that says whose it is",
  { skip: !AS_ROOT },
  async (t) => {
    const parent = tempDirectory(t);
    const theirs = join(parent, 'theirs');
    mkdirSync(theirs, { mode: 0o777 });
    chmodSync(theirs, 0o777);
    chownSync(theirs, OTHER_UID, OTHER_UID);
    const link = join(parent, 'mine');
    symlinkSync(theirs, link);
    for (const path of [theirs, link]) {
      await assert.rejects(ensurePrivateDirectory(path), (error: Error) => {
        assert.ok(error instanceof UnsafeDirectoryError, String(error));
        assert.match(error.message, new RegExp(`belongs to another user \\(uid ${OTHER_UID}\\)`));
        return true;
      });
    }
    assert.equal((statSync(theirs).mode & 0o777).toString(8), '777', 'their folder is left as it was');
    assert.deepEqual(readdirSync(theirs), [], 'nothing is written there');

    // The CLI says so and stops, without a stack trace and without checking anything.
    const run = await runCli(['watch', 'http://127.0.0.1:9/', '--data-dir', link, '--duration', '1']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /belongs to another user .*\(--data-dir\)/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    assert.deepEqual(readdirSync(theirs), []);
  },
);

test('a symlink planted where a file is created is refused, and what it points to is untouched', async (t) => {
  const directory = tempDirectory(t);
  const victim = join(directory, 'victim.txt');
  writeFileSync(victim, 'precious');
  const planted = join(directory, 'lease.lock');
  symlinkSync(victim, planted);
  await assert.rejects(openPrivateExclusive(planted), (error: NodeJS.ErrnoException) => error.code === 'EEXIST');
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  // A dangling link is refused too: nothing is created where it points.
  const dangling = join(directory, 'journal-0000000000000001-0.log');
  symlinkSync(join(directory, 'created-through-link'), dangling);
  await assert.rejects(openPrivateExclusive(dangling), (error: NodeJS.ErrnoException) => error.code === 'EEXIST');
  assert.equal(readdirSync(directory).includes('created-through-link'), false);
});

test('temporary snapshots left by a crash are removed when the writer opens, one being written is kept', async (t) => {
  const directory = tempDirectory(t);
  const leftover = join(directory, `.${SNAPSHOT_FILE}.tmp-0123456789ab`);
  const fresh = join(directory, `.${SNAPSHOT_FILE}.tmp-ba9876543210`);
  writeFileSync(leftover, 'half a database');
  writeFileSync(fresh, 'a snapshot under way');
  const hourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(leftover, hourAgo, hourAgo);
  const store = await SqlJsHistoryStore.open({ directory });
  await store.dispose();
  const names = readdirSync(directory);
  assert.equal(names.includes(`.${SNAPSHOT_FILE}.tmp-0123456789ab`), false, 'the leftover is gone');
  assert.ok(names.includes(`.${SNAPSHOT_FILE}.tmp-ba9876543210`), 'the recent one is kept');
});
