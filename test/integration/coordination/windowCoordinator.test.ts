/**
 * Two windows sharing one storage folder, in one process: real files in a temp folder, real
 * sql.js histories, real checks of an HTTP server on 127.0.0.1. The first window to start checks
 * for both; the second shows what it records, and takes over when the first closes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApiDataSource } from '../../../src/core/api/apiDataSource';
import { ApiServer } from '../../../src/core/api/apiServer';
import { createApiToken } from '../../../src/core/api/requestGuards';
import { type CoordinatorLog, WindowCoordinator, type WindowRole } from '../../../src/core/coordination/windowCoordinator';
import type { PublishedTarget } from '../../../src/core/coordination/sharedTargets';
import { createMonitorEngine } from '../../../src/core/monitorEngine';
import type { MonitorEvent } from '../../../src/core/scheduler/monitorEvent';
import { Prober } from '../../../src/core/probes/prober';
import { SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import {
  DEFAULT_TARGET_DEFAULTS,
  type ParseResult,
  resolveTarget,
  type Target,
  type TargetEntryObject,
} from '../../../src/core/targets/target';
import { startHttpServer } from '../../support/servers';
import { call } from '../api/apiTestSupport';

const HEARTBEAT_MS = 1_000;

/** Keeps what a window logs, so a failing assertion can show it. */
function logInto(lines: string[], window: string): CoordinatorLog {
  const keep = (level: string) => (message: string) => lines.push(`${window} ${level}: ${message}`);
  return { trace: () => undefined, info: keep('info'), warn: keep('warn'), error: keep('error') };
}

/** How many times each window opened the history file: only as the writer, never to read. */
const historyOpens = new Map<string, number>();

/** How a test window differs from the others: who resolves other windows' entries, how often it beats. */
interface WindowOptions {
  resolvePublished?: (published: PublishedTarget) => Promise<ParseResult<Target>>;
  heartbeatMs?: number;
}

function windowAt(directory: string, windowId: string, lines: string[], options: WindowOptions = {}): WindowCoordinator {
  const prober = new Prober();
  return new WindowCoordinator({
    directory,
    heartbeatMs: options.heartbeatMs ?? HEARTBEAT_MS,
    windowId,
    openHistory: (lease) => {
      historyOpens.set(windowId, (historyOpens.get(windowId) ?? 0) + 1);
      return SqlJsHistoryStore.open({ directory, lease, flushIntervalMs: 50 });
    },
    // One failed check is an outage, so an alert follows the first check of a failing target.
    createEngine: async (store) =>
      createMonitorEngine({
        runCheck: (target, signal) => prober.check(target, signal),
        store,
        scheduler: { retries: 0, alertThreshold: 1 },
      }),
    prober,
    resolvePublished: options.resolvePublished ?? (async (published) => resolveTarget(published.entry, published.defaults)),
    log: logInto(lines, windowId),
  });
}

function entryFor(id: string, url: string): TargetEntryObject {
  // An hour between scheduled checks: every check in the test is one it asked for or a first check.
  return { id, url, interval: 3600, timeout: 2 };
}

function targetOf(entry: TargetEntryObject): Target {
  const built = resolveTarget(entry);
  assert.ok(built.ok, built.ok ? '' : built.error);
  return built.value;
}

function publishedOf(entry: TargetEntryObject): PublishedTarget {
  return { id: entry.id!, entry, defaults: DEFAULT_TARGET_DEFAULTS, paused: false };
}

/** Polls `condition` every 25 ms for at most `timeoutMs`. */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number, lines: string[]): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) assert.fail(`${what} within ${timeoutMs} ms; the windows logged:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('the first window checks for both; the second forwards its Check Now, and takes over when the first closes', async () => {
  const hits = new Map<string, number>();
  const server = await startHttpServer((request, response) => {
    hits.set(request.url ?? '', (hits.get(request.url ?? '') ?? 0) + 1);
    response.end('ok');
  });
  const directory = mkdtempSync(join(tmpdir(), 'nm-coordinator-'));
  const lines: string[] = [];
  const first = windowAt(directory, 'window-first', lines);
  const second = windowAt(directory, 'window-second', lines);
  try {
    const firstEntry = entryFor('first-site', `${server.origin}/first`);
    first.setTargets([targetOf(firstEntry)], [publishedOf(firstEntry)]);
    await first.start();
    assert.equal(first.role, 'writer');

    const secondEntry = entryFor('second-site', `${server.origin}/second`);
    const secondTarget = targetOf(secondEntry);
    second.setTargets([secondTarget], [publishedOf(secondEntry)]);
    const secondRoles: WindowRole[] = [];
    second.onDidChange((change) => change.kind === 'roleChanged' && secondRoles.push(change.role));
    await second.start();
    assert.equal(second.role, 'reader');
    assert.equal(second.engine, undefined);

    // The target only the second window's settings define is checked, and recorded, by the first.
    await waitFor(
      'the writer checked the reader’s target',
      async () => (await first.history?.latest('second-site')) !== undefined,
      10_000,
      lines,
    );
    assert.equal((await first.history?.latest('second-site'))?.target, `${server.origin}/second`);

    // Check Now in the reader: the writer runs it and records it, and the reader's history shows it.
    // A Check Now joins a check already in flight (the scheduler's first one may still be waiting
    // for its answer on a busy machine): wait until none is, so this one must reach the server.
    await waitFor('the writer has no check of it in flight', () => first.engine?.state('second-site')?.checking === false, 10_000, lines);
    const before = hits.get('/second') ?? 0;
    const outcome = await second.checkNow('second-site');
    assert.equal(outcome.kind, 'checked', `the reader checked on its own; the windows logged:\n${lines.join('\n')}`);
    assert.ok(outcome.kind === 'checked');
    assert.ok((hits.get('/second') ?? 0) > before, 'the check reached the server');
    assert.equal((await second.history?.latest('second-site'))?.startedAt, outcome.result.startedAt);
    assert.equal((await first.history?.latest('second-site'))?.startedAt, outcome.result.startedAt);
    // The reading window was answered by the writer: it never loaded the history itself.
    assert.equal(historyOpens.get('window-second'), undefined);
    assert.deepEqual(
      await second.history?.series('second-site', { from: 0, to: Date.now() + 1 }),
      await first.history?.series('second-site', { from: 0, to: Date.now() + 1 }),
    );

    // The writer closes: it releases the lease, and the reader starts checking with the same history.
    const tookOver = new Promise<void>((resolve) =>
      second.onDidChange((change) => change.kind === 'roleTaken' && change.role === 'writer' && resolve()),
    );
    await first.dispose();
    // The bound's timer is cleared once the takeover came: left running, it kept the test process alive 10 s after the tests.
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([tookOver, new Promise((resolve) => (bound = setTimeout(resolve, 10_000)))]);
    clearTimeout(bound);
    assert.equal(second.role, 'writer', `the second window did not take over; the windows logged:\n${lines.join('\n')}`);
    assert.deepEqual(secondRoles, ['reader', 'writer']);
    assert.equal(historyOpens.get('window-second'), 1, 'the new writer opened the history once');
    assert.equal(
      (await second.history?.latest('second-site'))?.startedAt,
      outcome.result.startedAt,
      'the new writer reads the same history',
    );
    const own = await second.checkNow('second-site');
    assert.ok(own.kind === 'checked');
    await second.flush();
    assert.equal(second.writableStore?.latest('second-site')?.startedAt, own.result.startedAt);
  } finally {
    await first.dispose();
    await second.dispose();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test('a reading window asks the writer for raw checks, and its local API serves them on 127.0.0.1', async () => {
  const server = await startHttpServer((_request, response) => response.end('ok'));
  const directory = mkdtempSync(join(tmpdir(), 'nm-coordinator-'));
  const lines: string[] = [];
  const first = windowAt(directory, 'window-recording', lines);
  const second = windowAt(directory, 'window-reading', lines);
  const token = createApiToken();
  let api: ApiServer | undefined;
  try {
    const entry = entryFor('site', `${server.origin}/site`);
    const target = targetOf(entry);
    first.setTargets([target], [publishedOf(entry)]);
    await first.start();
    second.setTargets([target], [publishedOf(entry)]);
    await second.start();
    assert.equal(second.role, 'reader');
    for (let i = 0; i < 3; i++) assert.equal((await first.checkNow('site')).kind, 'checked');
    await first.flush();

    const span = { from: 0, to: Date.now() + 1 };
    const fromWriter = await first.history!.checks('site', span, 2);
    assert.equal(fromWriter.checks.length, 2);
    assert.equal(fromWriter.truncated, true, 'three or more checks, two asked for');
    assert.deepEqual(await second.history!.checks('site', span, 2), fromWriter, 'the reader gets the writer’s answer over the socket');
    assert.equal(historyOpens.get('window-reading'), undefined, 'the reader never opened the history');

    // The reading window's API answers raw history from the same question.
    const source = createApiDataSource({ store: () => second.history, getTargets: () => [target], isWriter: () => false });
    api = new ApiServer({ port: 0, token, allowUnauthenticatedMetrics: false, source });
    const { port } = await api.start();
    const response = await call(port, { path: '/api/history/site?resolution=raw&limit=2', token });
    assert.equal(response.status, 200, response.text);
    const body = response.json() as { resolution: string; truncated: boolean; points: { timestamp_ms: number }[] };
    assert.equal(body.resolution, 'raw');
    assert.equal(body.truncated, true);
    assert.deepEqual(
      body.points.map((point) => point.timestamp_ms),
      fromWriter.checks.map((check) => check.startedAt),
    );
  } finally {
    await api?.dispose();
    await first.dispose();
    await second.dispose();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test('an alert for a target only the reading window defines reaches that window, on its own target', async () => {
  const server = await startHttpServer((_request, response) => {
    response.statusCode = 503;
    response.end('down');
  });
  const directory = mkdtempSync(join(tmpdir(), 'nm-coordinator-'));
  const lines: string[] = [];
  const first = windowAt(directory, 'window-first', lines);
  const second = windowAt(directory, 'window-second', lines);
  try {
    first.setTargets([], []);
    await first.start();
    assert.equal(first.role, 'writer');
    const firstEvents: string[] = [];
    first.onDidChange((change) => change.kind === 'event' && firstEvents.push(change.event.type));

    const entry = entryFor('failing-site', `${server.origin}/failing`);
    const target = targetOf(entry);
    second.setTargets([target], [publishedOf(entry)]);
    const alerts: MonitorEvent[] = [];
    second.onDidChange((change) => change.kind === 'event' && change.event.type === 'alert' && alerts.push(change.event));
    await second.start();
    assert.equal(second.role, 'reader');

    await waitFor('the reader heard the alert', () => alerts.length > 0, 10_000, lines);
    const [alert] = alerts;
    assert.equal(alert?.target, target, 'the alert is about the reader’s own target object');
    assert.equal(alert?.type === 'alert' ? alert.result.status : undefined, 'DOWN');
    assert.deepEqual(firstEvents, [], 'the checking window does not notify of another window’s target');
  } finally {
    await first.dispose();
    await second.dispose();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test('an entry another window moves from user to workspace settings is resolved again under the workspace rules', async () => {
  const server = await startHttpServer((_request, response) => response.end('ok'));
  const directory = mkdtempSync(join(tmpdir(), 'nm-coordinator-'));
  const lines: string[] = [];
  // As the extension's rules do for a secret or a metadata address: allowed to the user, not to a workspace.
  const userOnly = async (published: PublishedTarget): Promise<ParseResult<Target>> =>
    published.level === 'user' ? resolveTarget(published.entry, published.defaults) : { ok: false, error: 'only the user may add it.' };
  // A slower heartbeat, so a busy machine does not hand the writer's role to the second window.
  const first = windowAt(directory, 'window-first', lines, { resolvePublished: userOnly, heartbeatMs: 1_000 });
  const second = windowAt(directory, 'window-second', lines, { heartbeatMs: 1_000 });
  try {
    first.setTargets([], []);
    await first.start();
    assert.equal(first.role, 'writer');

    const entry = entryFor('moved-site', `${server.origin}/moved`);
    second.setTargets([targetOf(entry)], [{ ...publishedOf(entry), level: 'user' }]);
    await second.start();
    await waitFor(
      'the writer checks the user-level entry',
      () => lines.some((line) => line.includes('window-first info: Checking 1 target(s) for other windows; added moved-site')),
      30_000,
      lines,
    );

    // The same entry, word for word, now comes from the workspace's settings.
    second.setTargets([targetOf(entry)], [{ ...publishedOf(entry), level: 'workspace' }]);
    await waitFor(
      'the writer refuses the entry under the workspace rules',
      () =>
        lines.some(
          (line) => line.includes('window-first warn:') && line.includes('"moved-site"') && line.includes('only the user may add it'),
        ),
      30_000,
      lines,
    );
    await waitFor(
      'the writer stops checking it',
      () => lines.some((line) => line.includes('window-first info: Checking 0 target(s) for other windows; dropped moved-site')),
      30_000,
      lines,
    );
  } finally {
    await first.dispose();
    await second.dispose();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});
