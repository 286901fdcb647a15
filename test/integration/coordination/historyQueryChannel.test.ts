/**
 * A reading window asks the recording window its history questions over a local socket. Real
 * sql.js histories in a temp folder, a real socket: the answers must equal the writer's own, the
 * token and the argument checks must hold against a hostile client, and a reader must follow the
 * writer when it changes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  HistoryQueryServer,
  HistoryUnavailableError,
  QUERY_ADDRESS_FILE,
  type RemoteHistory,
  remoteHistory,
} from '../../../src/core/coordination/historyQueryChannel';
import { BadQuestionError } from '../../../src/core/store/historyQuestions';
import { SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { makeCheck, tempDirectory } from '../../unit/store/storeTestSupport';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);

/** A writer's history with a day of checks of two targets, one of them down for an hour. */
async function recordedHistory(directory: string, now = () => NOW): Promise<SqlJsHistoryStore> {
  const store = await SqlJsHistoryStore.open({ directory, flushIntervalMs: 20, now });
  store.upsertTarget({ id: 't1', url: 'http://127.0.0.1:8080/', name: 'Local API' });
  store.upsertTarget({ id: 't2', url: 'http://127.0.0.1:8081/', name: 'Local site' });
  for (let minute = 0; minute < 24 * 60; minute += 10) {
    const startedAt = NOW - 24 * HOUR + minute * 60_000;
    const down = minute >= 600 && minute < 660;
    store.append(
      makeCheck({
        startedAt,
        targetId: 't1',
        status: down ? 'DOWN' : 'UP',
        totalMs: 40 + (minute % 7),
        anomalyScore: minute === 300 ? 0.9 : 0.3,
        ...(minute === 300 ? { unusualPhase: { phase: 'dns' as const, factor: 4.5 } } : {}),
      }),
    );
    store.append(makeCheck({ startedAt, targetId: 't2', target: 'http://127.0.0.1:8081/', totalMs: 80 }));
  }
  store.recordStateChange({ targetId: 't1', at: NOW - 14 * HOUR, from: 'UP', to: 'DOWN', reason: 'TIMEOUT', message: 'No answer' });
  store.recordStateChange({ targetId: 't1', at: NOW - 13 * HOUR, from: 'DOWN', to: 'UP', reason: null, message: 'Back' });
  await store.flush();
  return store;
}

/** A writer's recorded history in `directory`, answering over its socket, and a reader asking it; all closed after the test. */
async function servedHistory(
  t: TestContext,
  directory: string,
): Promise<{ store: SqlJsHistoryStore; server: HistoryQueryServer; reader: RemoteHistory }> {
  const store = await recordedHistory(directory);
  const server = await HistoryQueryServer.start(directory, store);
  const reader = remoteHistory(directory);
  t.after(async () => {
    reader.dispose();
    await server.dispose();
    await store.dispose();
  });
  return { store, server, reader };
}

/** Resolves on the next change the reader announces, or fails after `timeoutMs`. */
function nextChange(reader: RemoteHistory, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`no change announced within ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription = reader.onDidChange(() => {
      clearTimeout(timer);
      subscription.dispose();
      resolve();
    });
  });
}

/** Connects to the writer's socket as any local process could, and collects what it is sent. */
async function rawConnection(directory: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const address = JSON.parse(readFileSync(join(directory, QUERY_ADDRESS_FILE), 'utf8')) as { socket: string };
  const socket = createConnection(address.socket);
  let data = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (data += chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => data, closed };
}

/** Leaves a socket file at `path` that nobody listens on, as a writer killed by the system does. */
function deadSocketAt(path: string): void {
  const listenThenDie = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  spawnSync(process.execPath, ['-e', listenThenDie]);
  assert.ok(statSync(path).isSocket(), `a dead socket at ${path}`);
}

/** Waits for the socket to close, or fails after `timeoutMs`. */
async function closesWithin(closed: Promise<void>, timeoutMs: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: the connection stayed open for ${timeoutMs} ms`)), timeoutMs);
  });
  await Promise.race([closed, timeout]).finally(() => clearTimeout(timer));
}

test('a reading window gets the same answers as the writer, without opening the history', async (t) => {
  const { store, reader } = await servedHistory(t, tempDirectory(t));

  const day = { from: NOW - 24 * HOUR, to: NOW + 1 };
  assert.deepEqual(await reader.latest('t1'), store.latest('t1'));
  assert.equal(await reader.latest('no-such-target'), undefined);
  assert.deepEqual(await reader.latestAll(), store.latestAll());
  assert.deepEqual(await reader.targets(), store.targets());
  const uptime = await reader.uptime('t1', day.from, day.to);
  assert.ok(uptime !== null && uptime < 1, `uptime ${uptime} counts the outage`);
  assert.equal(uptime, store.uptime('t1', day.from, day.to));
  assert.equal(await reader.uptime('t1', NOW + HOUR, NOW + 2 * HOUR), null, 'no check: null, not undefined');
  assert.deepEqual(await reader.latencyStats('t2', day), store.latencyStats('t2', day));
  assert.deepEqual(await reader.series('t1', { ...day, maxPoints: 48 }), store.series('t1', { ...day, maxPoints: 48 }));
  const incidents = await reader.incidents(undefined, day);
  assert.equal(incidents.length, 1);
  assert.deepEqual(incidents, store.incidents(undefined, day));
  const anomalies = await reader.anomalies(day, 0.8);
  assert.equal(anomalies.length, 1);
  assert.deepEqual(anomalies, store.anomalies(day, 0.8));
  assert.deepEqual(anomalies[0]?.unusualPhase, { phase: 'dns', factor: 4.5 }, 'the named phase crosses the channel');
  assert.deepEqual(await reader.anomalies(day, 0.8, 10, 't2'), [], 'asked for one target, only its checks');
  assert.deepEqual(await reader.anomalies(day, 0.8, 10, 't1'), anomalies);
  const newest = await reader.checks('t1', day, 3);
  assert.deepEqual(newest, store.checks('t1', day, 3));
  assert.equal(newest.checks.length, 3);
  assert.equal(newest.truncated, true);
  assert.deepEqual(
    newest.checks.map((check) => check.startedAt),
    [30, 20, 10].map((minutes) => NOW - minutes * 60_000),
    'the newest three, oldest first',
  );
  const whole = await reader.checks('t1', day, 10_000);
  assert.equal(whole.checks.length, 144, 'a day of ten-minute checks, reached back from its end');
  assert.equal(whole.truncated, false);
  assert.deepEqual(whole.checks, JSON.parse(store.exportRange(['t1'], day, 'json')).checks, 'the same checks Export History writes');
  assert.deepEqual(await reader.checks('no-such-target', day, 5), { checks: [], truncated: false });
  assert.equal(await reader.exportRange(['t2'], day, 'csv'), store.exportRange(['t2'], day, 'csv'));
  assert.equal(await reader.exportRange(undefined, day, 'json'), store.exportRange(undefined, day, 'json'));
});

test('a reading window refuses arguments of the wrong shape itself, before asking anyone', async (t) => {
  // No writer listens in this folder: a question that left would fail as "history unavailable".
  const reader = remoteHistory(tempDirectory(t));
  t.after(() => reader.dispose());
  await assert.rejects(reader.latest(42 as unknown as string), BadQuestionError);
  await assert.rejects(reader.series('t1', { from: Number.NaN, to: NOW }), /from must be a finite number/);
  await assert.rejects(reader.exportRange(undefined, { from: 0, to: NOW }, 'xml' as 'csv'), /format must be csv or json/);
  await assert.rejects(reader.latest('t1'), HistoryUnavailableError, 'a question of the right shape does leave');
});

test('a check the writer records is announced to the reader, which then reads it', async (t) => {
  const { store, reader } = await servedHistory(t, tempDirectory(t));

  await reader.latest('t1');
  const announced = nextChange(reader, 5_000);
  store.append(makeCheck({ startedAt: NOW + 60_000, targetId: 't1', totalMs: 77 }));
  await store.flush();
  await announced;
  assert.equal((await reader.latest('t1'))?.startedAt, NOW + 60_000);
});

test('only a process that read the private address file can ask, and only questions of the right shape', async (t) => {
  const directory = tempDirectory(t);
  const store = await recordedHistory(directory);
  const server = await HistoryQueryServer.start(directory, store);
  t.after(async () => {
    await server.dispose();
    await store.dispose();
  });
  if (process.platform !== 'win32') assert.equal(statSync(join(directory, QUERY_ADDRESS_FILE)).mode & 0o777, 0o600);

  const wrongToken = await rawConnection(directory);
  wrongToken.socket.write(
    `${JSON.stringify({ token: 'guessed' })}\n${JSON.stringify({ id: 1, method: 'exportRange', args: [null, { from: 0, to: NOW + 1 }, 'csv'] })}\n`,
  );
  await closesWithin(wrongToken.closed, 5_000, 'a wrong token');
  assert.equal(wrongToken.received(), '', 'nothing is answered without the token');

  const questionFirst = await rawConnection(directory);
  questionFirst.socket.write(`${JSON.stringify({ id: 1, method: 'latestAll', args: [] })}\n`);
  await closesWithin(questionFirst.closed, 5_000, 'a question before the token');
  assert.equal(questionFirst.received(), '');

  const { token } = JSON.parse(readFileSync(join(directory, QUERY_ADDRESS_FILE), 'utf8')) as { token: string };
  const hostile = await rawConnection(directory);
  const questions = [
    { id: 1, method: 'series', args: ['t1', { from: 'yesterday', to: NOW }] },
    { id: 2, method: 'dispose', args: [] },
    { id: 3, method: 'constructor', args: [] },
    { id: 4, method: 'exportRange', args: [['t1'], { from: 0, to: NOW }, 'sql'] },
    { id: 5, method: 'latest', args: [{ toString: 't1' }] },
    { id: 6, method: 'latest', args: ['t1'] },
    { id: 7, method: 'checks', args: ['t1', { from: 0, to: NOW + 1 }, 'all'] },
    { id: 8, method: 'checkNow', args: ['t1', 1_000] },
  ];
  hostile.socket.write(`${JSON.stringify({ token })}\n${questions.map((question) => JSON.stringify(question)).join('\n')}\n`);
  const deadline = Date.now() + 5_000;
  while (hostile.received().split('\n').filter(Boolean).length < questions.length + 1 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const answers = hostile
    .received()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id?: number; ready?: boolean; error?: string; result?: unknown });
  assert.deepEqual(answers[0], { ready: true });
  for (const id of [1, 2, 3, 4, 5, 7, 8]) {
    const answer = answers.find((candidate) => candidate.id === id);
    assert.ok(
      answer && typeof answer.error === 'string' && answer.result === undefined,
      `question ${id} is refused: ${JSON.stringify(answer)}`,
    );
  }
  // The refusal says which argument is wrong, from the question's one declaration.
  assert.equal(answers.find((candidate) => candidate.id === 1)?.error, 'from must be a finite number.');
  assert.equal(answers.find((candidate) => candidate.id === 4)?.error, 'format must be csv or json.');
  assert.equal(answers.find((candidate) => candidate.id === 5)?.error, 'targetId must be a short string.');
  assert.equal(answers.find((candidate) => candidate.id === 7)?.error, 'limit must be a finite number.');
  assert.equal(
    answers.find((candidate) => candidate.id === 8)?.error,
    'No such question: checkNow.',
    'a server given no requests to run refuses them',
  );
  assert.equal(
    (answers.find((candidate) => candidate.id === 6)?.result as { targetId: string }).targetId,
    't1',
    'the connection still answers',
  );

  // A line longer than any question closes the connection instead of growing the writer's memory.
  hostile.socket.write('x'.repeat(200 * 1024));
  await closesWithin(hostile.closed, 5_000, 'an endless line');
});

test('a reading window sends a Check Now over the same socket; the writer gets checked arguments or refuses', async (t) => {
  const directory = tempDirectory(t);
  const store = await recordedHistory(directory);
  // The writer's side of a Check Now: here, record what it was asked (the coordination tests run real checks).
  const asked: unknown[][] = [];
  const server = await HistoryQueryServer.start(directory, store, {
    requests: {
      checkNow: async (...args) => {
        asked.push(args);
        return args[0] === 't1' ? store.latest('t1') : undefined;
      },
    },
  });
  const reader = remoteHistory(directory);
  t.after(async () => {
    reader.dispose();
    await server.dispose();
    await store.dispose();
  });
  assert.equal((await reader.request('checkNow', 't1', 5_000))?.targetId, 't1');
  assert.equal(await reader.request('checkNow', 'unknown', 999_999_999), undefined);
  assert.deepEqual(asked, [
    ['t1', 5_000],
    ['unknown', 600_000],
  ]);
  await assert.rejects(reader.request('checkNow', 't1', Number.NaN), /waitMs must be a finite number/);

  const { token } = JSON.parse(readFileSync(join(directory, QUERY_ADDRESS_FILE), 'utf8')) as { token: string };
  const hostile = await rawConnection(directory);
  hostile.socket.write(`${JSON.stringify({ token })}\n${JSON.stringify({ id: 1, method: 'checkNow', args: [['t1'], 1_000] })}\n`);
  const deadline = Date.now() + 5_000;
  while (!hostile.received().includes('"id":1') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.match(hostile.received(), /"error":"targetId must be a short string\."/);
  assert.equal(asked.length, 2, 'a malformed request never reaches the writer');
  hostile.socket.destroy();
});

test('a connection that never gives the token is closed after a few seconds', async (t) => {
  const directory = tempDirectory(t);
  const { server } = await servedHistory(t, directory);
  assert.ok(server);
  const silent = await rawConnection(directory);
  silent.socket.write('{"tok');
  await closesWithin(silent.closed, 15_000, 'a connection that never finishes its first line');
  assert.equal(silent.received(), '');
});

test('connections that never give the token cannot keep a window with it out', async (t) => {
  const directory = tempDirectory(t);
  const { store, reader } = await servedHistory(t, directory);
  const idle = await Promise.all(Array.from({ length: 64 }, () => rawConnection(directory)));
  t.after(() => idle.forEach((connection) => connection.socket.destroy()));
  assert.deepEqual(await reader.targets(), store.targets());
  await closesWithin(idle[0]!.closed, 5_000, 'the oldest connection waiting for its token');
});

test('when the writer goes, the reader says the history is unavailable, then follows the next writer', async (t) => {
  const directory = tempDirectory(t);
  const first = await recordedHistory(directory);
  let server = await HistoryQueryServer.start(directory, first);
  const reader = remoteHistory(directory);
  t.after(async () => {
    reader.dispose();
    await server.dispose();
  });
  assert.equal((await reader.latest('t1'))?.startedAt, first.latest('t1')?.startedAt);

  await server.dispose();
  await first.dispose();
  await assert.rejects(reader.latest('t1'), HistoryUnavailableError);

  // The next window takes over the same history and records a newer check.
  const second = await SqlJsHistoryStore.open({ directory, flushIntervalMs: 20, now: () => NOW });
  t.after(() => second.dispose());
  second.append(makeCheck({ startedAt: NOW + 120_000, targetId: 't1', totalMs: 55 }));
  await second.flush();
  const announced = nextChange(reader, 10_000);
  server = await HistoryQueryServer.start(directory, second);
  await announced;
  assert.equal((await reader.latest('t1'))?.startedAt, NOW + 120_000);
});

test('a storage folder whose path is too long for a socket answers through a private folder of its own in the temp folder', async (t) => {
  const temporaryRoot = tempDirectory(t);
  const directory = join(tempDirectory(t), 'a-storage-folder-as-long-as-some-editors-make-them'.repeat(2));
  const store = await recordedHistory(directory);
  const server = await HistoryQueryServer.start(directory, store, { temporaryRoot });
  const reader = remoteHistory(directory);
  t.after(async () => {
    reader.dispose();
    await server.dispose();
    await store.dispose();
  });
  const { socket } = JSON.parse(readFileSync(join(directory, QUERY_ADDRESS_FILE), 'utf8')) as { socket: string };
  assert.deepEqual(await reader.targets(), store.targets());
  if (process.platform === 'win32') return;
  assert.equal(dirname(dirname(socket)), temporaryRoot, `the socket ${socket} is in a folder of the temp folder`);
  const folder = statSync(dirname(socket));
  assert.equal(folder.mode & 0o777, 0o700, 'only this user can reach the socket');
  assert.equal(folder.uid, process.getuid?.());

  reader.dispose();
  await server.dispose();
  assert.deepEqual(readdirSync(temporaryRoot), [], 'closing removes the folder and its socket');
});

test(
  'a writer that needs the temp folder removes what crashed writers left there, and nothing else',
  { skip: process.platform === 'win32' },
  async (t) => {
    const temporaryRoot = tempDirectory(t);
    // A live writer of another history.
    const liveDirectory = join(tempDirectory(t), 'another-long-storage-folder-path'.repeat(3));
    const liveStore = await recordedHistory(liveDirectory);
    const live = await HistoryQueryServer.start(liveDirectory, liveStore, { temporaryRoot });
    // A crashed writer: its socket file stays, and nobody listens on it.
    mkdirSync(join(temporaryRoot, 'network-monitor-Crash1'), { mode: 0o700 });
    deadSocketAt(join(temporaryRoot, 'network-monitor-Crash1', 'history.sock'));
    deadSocketAt(join(temporaryRoot, 'network-monitor-00112233445566ff.sock'));
    // One that crashed before listening, long ago; and one that is about to listen.
    mkdirSync(join(temporaryRoot, 'network-monitor-Empty1'), { mode: 0o700 });
    const longAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(temporaryRoot, 'network-monitor-Empty1'), longAgo, longAgo);
    mkdirSync(join(temporaryRoot, 'network-monitor-Young1'), { mode: 0o700 });
    // Files that are not ours to touch.
    symlinkSync(tempDirectory(t), join(temporaryRoot, 'network-monitor-Link01'));
    writeFileSync(join(temporaryRoot, 'unrelated.txt'), 'kept');
    const others = join(temporaryRoot, 'network-monitor-Other1');
    mkdirSync(others);
    const otherUser = process.getuid?.() === 0;
    if (otherUser) chownSync(others, 4242, 4242);
    const before = new Set(readdirSync(temporaryRoot));

    const directory = join(tempDirectory(t), 'a-storage-folder-as-long-as-some-editors-make-them'.repeat(2));
    const store = await recordedHistory(directory);
    const server = await HistoryQueryServer.start(directory, store, { temporaryRoot });
    t.after(async () => {
      await server.dispose();
      await store.dispose();
      await live.dispose();
      await liveStore.dispose();
    });
    const after = readdirSync(temporaryRoot);
    const added = after.filter((name) => !before.has(name));
    const removed = [...before].filter((name) => !after.includes(name)).sort();
    assert.equal(added.length, 1, `the new writer made one folder: ${added.join(', ')}`);
    assert.deepEqual(removed, ['network-monitor-00112233445566ff.sock', 'network-monitor-Crash1', 'network-monitor-Empty1']);
    if (otherUser) assert.ok(after.includes('network-monitor-Other1'), "another user's folder stays");
  },
);

test('a writer that wakes from a freeze after another took over, and closes, leaves the new writer reachable', async (t) => {
  const directory = tempDirectory(t);
  const frozen = await recordedHistory(tempDirectory(t));
  const frozenServer = await HistoryQueryServer.start(directory, frozen);
  // The next writer takes over (its own history here, so the two never share files) and answers.
  const next = await SqlJsHistoryStore.open({ directory: tempDirectory(t), flushIntervalMs: 20, now: () => NOW });
  next.append(makeCheck({ startedAt: NOW + 180_000, targetId: 't1', totalMs: 61 }));
  await next.flush();
  const nextServer = await HistoryQueryServer.start(directory, next);
  const reader = remoteHistory(directory);
  t.after(async () => {
    reader.dispose();
    await nextServer.dispose();
    await next.dispose();
    await frozen.dispose();
  });

  // The frozen writer wakes up and closes: closing a socket server removes its file, never the next writer's.
  await frozenServer.dispose();
  assert.equal((await reader.latest('t1'))?.startedAt, NOW + 180_000);
  assert.ok(JSON.parse(readFileSync(join(directory, QUERY_ADDRESS_FILE), 'utf8')), 'the next writer’s address stays');
});
