import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toDisposable } from '../../../src/core/disposable';
import type {
  DashboardTarget,
  DashboardTargetState,
  HostToWebviewMessage,
  LiveCheck,
  ReportFormat,
} from '../../../src/shared/dashboardProtocol';
import { buildSeries, sampleFromCheck } from '../../../src/shared/seriesDownsampling';
import type { DashboardDataSource } from '../../../src/vscode/dashboard/dashboardDataSource';
import { contentSecurityPolicy, renderDashboardHtml } from '../../../src/vscode/dashboard/dashboardHtml';
import { DashboardSession } from '../../../src/vscode/dashboard/dashboardSession';

const NOW = 1_780_000_000_000;

function dataSource() {
  const checkListeners = new Set<(check: LiveCheck) => void>();
  const stateListeners = new Set<(state: DashboardTargetState) => void>();
  const targets: DashboardTarget[] = [
    { id: 'a', name: 'A', url: 'https://a.test/', kind: 'http', address: null, location: null },
    { id: 'b', name: 'B', url: 'tcp://b.test:22', kind: 'tcp', address: null, location: null },
  ];
  const seriesCalls: string[] = [];
  const source: DashboardDataSource = {
    targets: () => targets,
    states: () =>
      targets.map((t) => ({ targetId: t.id, status: 'UP', since: NOW - 1000, lastCheckAt: NOW, lastTotalMs: 20, message: null })),
    series: async (targetId, range, maxPoints, now) => {
      seriesCalls.push(`${targetId}:${range}:${maxPoints}`);
      if (targetId === 'broken') throw new Error('database is locked');
      const checks = [1, 2, 3].map((i) =>
        sampleFromCheck({
          startedAt: now - i * 60_000,
          status: 'UP',
          totalMs: 10 * i,
          phases: { dns: 0, connect: 1, tls: 2, firstByte: 3, transfer: 4 },
        }),
      );
      return buildSeries(checks, { targetId, range, now, maxPoints });
    },
    report: async () => [
      {
        targetId: 'a',
        name: 'A',
        url: 'https://a.test/',
        availability: 1,
        avgMs: 20,
        p95Ms: 30,
        location: 'Local network',
        anomalies: 0,
        lastStatus: 'UP',
        certDaysLeft: 12,
      },
    ],
    onCheck: (listener) => {
      checkListeners.add(listener);
      return toDisposable(() => checkListeners.delete(listener));
    },
    onStateChange: (listener) => {
      stateListeners.add(listener);
      return toDisposable(() => stateListeners.delete(listener));
    },
    onTargetsChange: () => toDisposable(() => undefined),
  };
  return { source, seriesCalls, checkListeners, stateListeners, emitCheck: (check: LiveCheck) => checkListeners.forEach((l) => l(check)) };
}

function session(source: DashboardDataSource) {
  const posted: HostToWebviewMessage[] = [];
  const logs: string[] = [];
  const saved: { content: string; format: ReportFormat }[] = [];
  const s = new DashboardSession(source, {
    post: (m) => posted.push(m),
    saveReport: async (content, format) => {
      saved.push({ content, format });
      return true;
    },
    log: (level, message) => logs.push(`${level}: ${message}`),
    now: () => NOW,
  });
  return { s, posted, logs, saved };
}

const live = (targetId: string): LiveCheck => ({
  targetId,
  startedAt: NOW,
  status: 'UP',
  totalMs: 5,
  phases: [1, 1, 1, 1, 1],
  anomaly: false,
});

test('ready is answered with init, and live checks flow only after ready and only for selected targets', async () => {
  const ds = dataSource();
  const { s, posted } = session(ds.source);
  ds.emitCheck(live('a'));
  assert.equal(posted.length, 0, 'nothing before the handshake');
  await s.receive({ type: 'ready' });
  assert.equal(posted[0]?.type, 'init');
  assert.equal(posted[0]?.type === 'init' && posted[0].targets.length, 2);
  ds.emitCheck(live('b'));
  await s.receive({ type: 'selectTargets', targetIds: ['a'] });
  ds.emitCheck(live('b'));
  ds.emitCheck(live('a'));
  assert.deepEqual(
    posted.slice(1).map((m) => m.type === 'checkAdded' && m.check.targetId),
    ['b', 'a'],
  );
  // A second ready (the webview was hidden and rebuilt) must not double the subscriptions.
  await s.receive({ type: 'ready' });
  assert.equal(ds.checkListeners.size, 1);
  s.dispose();
  assert.equal(ds.checkListeners.size, 0);
  assert.equal(ds.stateListeners.size, 0);
});

test('requestSeries is answered with the same requestId, one series per target, bounded by maxPoints', async () => {
  const ds = dataSource();
  const { s, posted } = session(ds.source);
  await s.receive({ type: 'ready' });
  await s.receive({ type: 'requestSeries', requestId: 7, targetIds: ['a', 'b'], range: '7d', maxPoints: 2 });
  const reply = posted.at(-1);
  assert.equal(reply?.type, 'series');
  if (reply?.type !== 'series') return;
  assert.equal(reply.requestId, 7);
  assert.deepEqual(
    reply.series.map((x) => [x.targetId, x.range]),
    [
      ['a', '7d'],
      ['b', '7d'],
    ],
  );
  assert.ok(reply.series.every((x) => x.t.length <= 2));
  assert.deepEqual(ds.seriesCalls, ['a:7d:2', 'b:7d:2']);
});

test('a failing request is answered with an error carrying its requestId, and logged', async () => {
  const ds = dataSource();
  const { s, posted, logs } = session(ds.source);
  await s.receive({ type: 'requestSeries', requestId: 9, targetIds: ['broken'], range: '1h', maxPoints: 100 });
  assert.deepEqual(posted.at(-1), {
    type: 'error',
    requestId: 9,
    message: 'The history for the chart could not be read: database is locked',
  });
  assert.match(logs.at(-1) ?? '', /^error: .*database is locked/);
});

test('messages outside the protocol are dropped and logged, never answered', async () => {
  const ds = dataSource();
  const { s, posted, logs } = session(ds.source);
  await s.receive({ type: 'requestSeries', requestId: 'x' });
  await s.receive({ command: 'refresh' });
  assert.equal(posted.length, 0);
  assert.equal(logs.length, 2);
});

test('report and export use the data source rows', async () => {
  const ds = dataSource();
  const { s, posted, saved } = session(ds.source);
  await s.receive({ type: 'requestReport', requestId: 3, range: '30d' });
  const reply = posted.at(-1);
  assert.ok(reply?.type === 'report' && reply.requestId === 3 && reply.range === '30d' && reply.rows.length === 1);
  await s.receive({ type: 'exportReport', range: '30d', format: 'csv' });
  assert.equal(saved[0]?.format, 'csv');
  assert.match(saved[0]?.content ?? '', /^Target,URL,/);
  assert.match(saved[0]?.content ?? '', /\r\nA,https:\/\/a\.test\/,100,20,30,Local network,0,UP,12\r\n$/);
});

test('the HTML has the strict CSP, and the nonce on its only script', () => {
  const html = renderDashboardHtml({
    cspSource: 'https://x.vscode-cdn.net',
    scriptUri: 'https://x/dashboard.js',
    styleUri: 'https://x/dashboard.css',
    nonce: 'abc123',
  });
  assert.equal(
    contentSecurityPolicy('https://x.vscode-cdn.net', 'abc123'),
    "default-src 'none'; script-src 'nonce-abc123'; style-src https://x.vscode-cdn.net; img-src https://x.vscode-cdn.net data:; font-src https://x.vscode-cdn.net; connect-src 'none'",
  );
  assert.ok(html.includes(`content="default-src 'none'; script-src 'nonce-abc123';`));
  assert.equal(html.match(/<script /g)?.length, 1);
  assert.ok(html.includes('<script type="module" nonce="abc123" src="https://x/dashboard.js">'));
  assert.ok(!/unsafe-inline|style="/.test(html));
  const other = renderDashboardHtml({ cspSource: 's', scriptUri: 'j', styleUri: 'c' });
  const nonces = [html, other].map((h) => /nonce="([^"]+)"/.exec(h)?.[1]);
  assert.notEqual(nonces[0], nonces[1]);
  assert.ok((nonces[1]?.length ?? 0) >= 24);
});
