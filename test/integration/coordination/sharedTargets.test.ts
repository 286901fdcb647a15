/**
 * The per-window "targets I want monitored" files the writer window merges: real files in a temp
 * folder, and real child processes for windows that close or crash.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  mergeForeignTargets,
  type PublishedTarget,
  readLiveWindows,
  SHARED_TARGETS_DIRECTORY,
  SharedTargetsBoard,
  type WindowTargets,
} from '../../../src/core/coordination/sharedTargets';
import { HeartbeatWatch } from '../../../src/core/coordination/heartbeatWatch';
import { DEFAULT_TARGET_DEFAULTS } from '../../../src/core/targets/target';

const HEARTBEAT_MS = 200;
const CHILD_MARKER = 'NM_SHARED_TARGETS_CHILD';

function published(id: string, url: string, paused = false): PublishedTarget {
  return { id, entry: paused ? { url, id, paused } : { url, id }, defaults: DEFAULT_TARGET_DEFAULTS, paused };
}

function window(windowId: string, targets: PublishedTarget[]): WindowTargets {
  return { windowId, pid: 1, host: '', heartbeatAt: 0, targets };
}

/** A window in another process: publishes one target and renews it until it exits or is killed. */
async function runChildWindow(): Promise<void> {
  const [directory, windowId, targetId] = process.argv.slice(2) as [string, string, string];
  const board = await SharedTargetsBoard.start({ directory, heartbeatMs: HEARTBEAT_MS, windowId }, [
    published(targetId, 'http://127.0.0.1:9/'),
  ]);
  process.stdout.write('published\n');
  process.on('SIGTERM', () => void board.dispose().then(() => process.exit(0)));
  // Exits on its own after a minute, in case the test that started it is gone.
  setTimeout(() => void board.dispose().then(() => process.exit(0)), 60_000).unref();
  setInterval(() => undefined, 1000);
}

class ChildWindow {
  private readonly child: ChildProcess;
  readonly published: Promise<void>;

  constructor(directory: string, windowId: string, targetId: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', __filename, directory, windowId, targetId], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, [CHILD_MARKER]: '1' },
    });
    this.published = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`window ${windowId} did not publish within 20 s`)), 20_000);
      this.child.stdout!.on('data', (data: Buffer) => {
        if (!data.toString().includes('published')) return;
        clearTimeout(timer);
        resolve();
      });
      this.child.once('exit', (code, signal) => reject(new Error(`window ${windowId} exited (${code ?? signal}) before publishing`)));
    });
  }

  stop(signal: NodeJS.Signals): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }
}

/** Polls `condition` every 50 ms for at most `timeoutMs`; returns how long it took, or -1. */
async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (let attempt = 0; attempt < 10_000; attempt++) {
    if (await condition()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) return -1;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return -1;
}

if (process.env[CHILD_MARKER]) {
  void runChildWindow();
} else {
  test('each window publishes its targets and sees the others; a closed window removes its file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nm-shared-'));
    const a = await SharedTargetsBoard.start({ directory, heartbeatMs: HEARTBEAT_MS, windowId: 'window-a' }, [
      published('shared', 'http://127.0.0.1:1/'),
      published('only-a', 'tcp://127.0.0.1:2'),
    ]);
    const b = await SharedTargetsBoard.start({ directory, heartbeatMs: HEARTBEAT_MS, windowId: 'window-b' }, [
      published('shared', 'http://127.0.0.1:1/'),
    ]);
    try {
      const live = await a.liveWindows();
      assert.deepEqual(live.map((entry) => entry.windowId).sort(), ['window-a', 'window-b']);
      // Window A writes: it merges B's targets that it does not define itself.
      assert.deepEqual(mergeForeignTargets(live, 'window-a', new Set(['shared', 'only-a'])), []);
      await b.setTargets([published('shared', 'http://127.0.0.1:1/'), published('only-b', 'dns://localhost')]);
      const foreign = mergeForeignTargets(await a.liveWindows(), 'window-a', new Set(['shared', 'only-a']));
      assert.deepEqual(
        foreign.map((entry) => entry.published.id),
        ['only-b'],
      );
      assert.deepEqual(foreign[0]!.published.entry, { url: 'dns://localhost', id: 'only-b' });

      await b.dispose();
      assert.deepEqual(
        (await a.liveWindows()).map((entry) => entry.windowId),
        ['window-a'],
      );
      assert.deepEqual(readdirSync(join(directory, SHARED_TARGETS_DIRECTORY)), ['window-a.json']);
    } finally {
      await a.dispose();
      await b.dispose();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('a target two windows define is checked unless both paused it, with the entry of a window that did not', () => {
    const windows = [
      window('a', [published('t', 'http://127.0.0.1:1/a', true), published('p', 'http://127.0.0.1:1/p', true)]),
      window('b', [published('t', 'http://127.0.0.1:1/b'), published('p', 'http://127.0.0.1:1/p', true)]),
      window('writer', [published('mine', 'http://127.0.0.1:1/m')]),
    ];
    const merged = mergeForeignTargets(windows, 'writer', new Set(['mine']));
    const byId = new Map(merged.map((entry) => [entry.published.id, entry]));
    assert.equal(byId.get('t')?.published.paused, false);
    assert.deepEqual(byId.get('t')?.published.entry, { url: 'http://127.0.0.1:1/b', id: 't' });
    assert.deepEqual(byId.get('t')?.windowIds, ['a', 'b']);
    assert.equal(byId.get('p')?.published.paused, true);
    assert.equal(byId.has('mine'), false);
  });

  test("the writer hears of another window's new target without waiting for its poll", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nm-shared-'));
    // Heartbeats far apart: only the file-change notice can explain a prompt call.
    const writer = await SharedTargetsBoard.start({ directory, heartbeatMs: 60_000, windowId: 'writer' });
    const reader = await SharedTargetsBoard.start({ directory, heartbeatMs: 60_000, windowId: 'reader' }, [
      published('t', 'http://127.0.0.1:1/'),
    ]);
    let calls = 0;
    const watching = writer.watch(() => calls++);
    try {
      await reader.setTargets([published('t', 'http://127.0.0.1:1/'), published('u', 'http://127.0.0.1:2/')]);
      assert.notEqual(await waitFor(async () => calls > 0, 5_000), -1, 'no change was reported after the targets were written');
      const readerFile = (await writer.liveWindows()).find((window) => window.windowId === 'reader');
      assert.deepEqual(
        readerFile?.targets.map((target) => target.id),
        ['t', 'u'],
      );
      watching.dispose();
      const after = calls;
      await reader.setTargets([published('t', 'http://127.0.0.1:1/')]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(calls, after, 'a disposed watch calls nothing');
    } finally {
      watching.dispose();
      await reader.dispose();
      await writer.dispose();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("the writer's notices reach their window once each, in order, across a change of writer", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nm-shared-'));
    let clock = 1_000;
    const now = (): number => clock;
    const firstWriter = await SharedTargetsBoard.start({ directory, heartbeatMs: HEARTBEAT_MS, windowId: 'first', now });
    const reader = await SharedTargetsBoard.start({ directory, heartbeatMs: HEARTBEAT_MS, windowId: 'reader', now });
    let secondWriter: SharedTargetsBoard | undefined;
    try {
      assert.deepEqual(await reader.readNotices(0), []);
      await firstWriter.deliver('reader', [
        { type: 'alert', n: 1 },
        { type: 'alert', n: 2 },
      ]);
      const first = await reader.readNotices(0);
      assert.deepEqual(
        first.map((notice) => notice.payload),
        [
          { type: 'alert', n: 1 },
          { type: 'alert', n: 2 },
        ],
      );
      assert.deepEqual(await reader.readNotices(first.at(-1)!.seq), [], 'nothing new after the last one read');
      // The first writer closes; the next one numbers after it because its numbers start from the clock.
      await firstWriter.dispose();
      clock += 5;
      secondWriter = await SharedTargetsBoard.start({ directory, heartbeatMs: HEARTBEAT_MS, windowId: 'second', now });
      await secondWriter.deliver('reader', [{ type: 'recovered', n: 3 }]);
      assert.deepEqual(
        (await reader.readNotices(first.at(-1)!.seq)).map((notice) => notice.payload),
        [{ type: 'recovered', n: 3 }],
      );
      await secondWriter.deliver(
        'reader',
        Array.from({ length: 80 }, (_, n) => ({ type: 'alert', n })),
      );
      assert.equal((await reader.readNotices(0)).length, 50, 'only the last notices are kept');
      await secondWriter.deliver('../escape', [{ type: 'alert' }]);
      assert.deepEqual(readdirSync(directory).sort(), [SHARED_TARGETS_DIRECTORY], 'a window id never names a path outside the folder');
      await reader.dispose();
      assert.deepEqual(
        readdirSync(join(directory, SHARED_TARGETS_DIRECTORY)).sort(),
        ['second.json'],
        'a closed window takes its notices with it',
      );
    } finally {
      await reader.dispose();
      await firstWriter.dispose();
      await secondWriter?.dispose();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('a window whose clock is set an hour forward or back stays live, and one that stops renewing is still dropped', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nm-shared-'));
    const HOUR_MS = 3_600_000;
    let offset = 0;
    const writer = await SharedTargetsBoard.start({ directory, heartbeatMs: HEARTBEAT_MS, windowId: 'writer' }, [
      published('mine', 'http://127.0.0.1:1/'),
    ]);
    const other = await SharedTargetsBoard.start(
      { directory, heartbeatMs: HEARTBEAT_MS, windowId: 'other', now: () => Date.now() + offset },
      [published('theirs', 'http://127.0.0.1:1/t')],
    );
    try {
      const liveIds = async (): Promise<string[]> => (await writer.liveWindows()).map((entry) => entry.windowId).sort();
      for (const jump of [HOUR_MS, -HOUR_MS, 0]) {
        offset = jump;
        for (let n = 0; n < 6; n++) {
          await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS / 2));
          assert.deepEqual(await liveIds(), ['other', 'writer'], `the other window's clock ${jump / HOUR_MS} h off`);
        }
      }
      // A window frozen with its clock an hour ahead: its file stays as it was.
      await other.dispose();
      writeFileSync(
        join(directory, SHARED_TARGETS_DIRECTORY, 'frozen.json'),
        JSON.stringify({ ...window('frozen', []), pid: process.pid, heartbeatAt: Date.now() + HOUR_MS }),
      );
      assert.deepEqual(await liveIds(), ['frozen', 'writer'], 'a heartbeat dated an hour ahead is live when first seen');
      const dropped = await waitFor(async () => !(await liveIds()).includes('frozen'), 20 * HEARTBEAT_MS);
      assert.notEqual(dropped, -1, 'a file dated in the future that stops changing is dropped');
    } finally {
      await other.dispose();
      await writer.dispose();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('damaged files are ignored, and removed once old', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nm-shared-'));
    const folder = join(directory, SHARED_TARGETS_DIRECTORY);
    const board = await SharedTargetsBoard.start({ directory, heartbeatMs: HEARTBEAT_MS, windowId: 'w' }, [
      published('t', 'http://127.0.0.1:1/'),
    ]);
    try {
      writeFileSync(join(folder, 'torn.json'), '{"windowId":"x","heart');
      writeFileSync(
        join(folder, 'wrong.json'),
        JSON.stringify({ windowId: 'y', heartbeatAt: Date.now(), targets: [{ id: 3 }, published('ok', 'http://127.0.0.1:1/ok')] }),
      );
      // The reader's monotonic clock, moved by hand.
      let monotonic = 0;
      const watch = new HeartbeatWatch(2 * HEARTBEAT_MS, () => monotonic);
      const live = await readLiveWindows(folder, watch);
      assert.deepEqual(live.map((entry) => entry.windowId).sort(), ['w', 'y']);
      assert.deepEqual(
        live.find((entry) => entry.windowId === 'y')?.targets.map((target) => target.id),
        ['ok'],
        'a malformed target is skipped, the rest kept',
      );
      assert.ok(existsSync(join(folder, 'torn.json')), 'a fresh unreadable file may be a newer version still renewing it');
      monotonic += HEARTBEAT_MS;
      await readLiveWindows(folder, watch);
      assert.ok(existsSync(join(folder, 'torn.json')), 'unchanged for less than the stale limit, it stays');
      monotonic += 2 * HEARTBEAT_MS;
      await readLiveWindows(folder, watch);
      assert.equal(existsSync(join(folder, 'torn.json')), false);
    } finally {
      await board.dispose();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('a crashed window (SIGKILL) is dropped after two heartbeats, a closed one (SIGTERM) at once; the survivor keeps its own', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nm-shared-'));
    const writer = await SharedTargetsBoard.start({ directory, heartbeatMs: HEARTBEAT_MS, windowId: 'writer' }, [
      published('mine', 'http://127.0.0.1:1/'),
    ]);
    const crashing = new ChildWindow(directory, 'crashing', 'crash-target');
    const closing = new ChildWindow(directory, 'closing', 'close-target');
    try {
      await Promise.all([crashing.published, closing.published]);
      const foreignIds = async (): Promise<string[]> =>
        mergeForeignTargets(await writer.liveWindows(), 'writer', new Set(['mine']))
          .map((entry) => entry.published.id)
          .sort();
      assert.deepEqual(await foreignIds(), ['close-target', 'crash-target']);

      // Alive children keep renewing: still there well after two heartbeats.
      await new Promise((resolve) => setTimeout(resolve, 4 * HEARTBEAT_MS));
      assert.deepEqual(await foreignIds(), ['close-target', 'crash-target']);

      await closing.stop('SIGTERM');
      assert.deepEqual(await foreignIds(), ['crash-target'], 'a window that closes removes its file on the way out');

      await crashing.stop('SIGKILL');
      const droppedAfter = await waitFor(async () => (await foreignIds()).length === 0, 20 * HEARTBEAT_MS);
      assert.notEqual(droppedAfter, -1, 'the crashed window was never dropped');
      // The writer's own file is rewritten every heartbeat through a temporary file and a rename,
      // so a listing can catch that temporary file in flight: only the windows' files are compared.
      const windowFiles = readdirSync(join(directory, SHARED_TARGETS_DIRECTORY)).filter((name) => !/^\..*\.tmp-/.test(name));
      assert.deepEqual(windowFiles, ['writer.json'], "the crashed window's file is removed");
      assert.deepEqual(
        (await writer.liveWindows()).map((entry) => entry.targets.map((target) => target.id)),
        [['mine']],
      );
    } finally {
      await crashing.stop('SIGKILL');
      await closing.stop('SIGKILL');
      await writer.dispose();
      rmSync(directory, { recursive: true, force: true });
    }
  });
}
