// What keeps the first chart fast: fewer points for narrow charts and long target lists, compact
// series messages, merged timeline cells, and the chart's series answered before the report.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toDisposable } from '../../../src/core/disposable';
import {
  DEFAULT_MAX_POINTS,
  MIN_POINTS_PER_TARGET,
  TOTAL_POINTS_BUDGET,
  isSeriesColumns,
  isWebviewToHostMessage,
  type HostToWebviewMessage,
  type SeriesColumns,
} from '../../../src/shared/dashboardProtocol';
import { buildSeries, roundSeriesForTransfer, sampleFromCheck } from '../../../src/shared/seriesDownsampling';
import type { DashboardDataSource } from '../../../src/vscode/dashboard/dashboardDataSource';
import { renderDashboardHtml } from '../../../src/vscode/dashboard/dashboardHtml';
import { DashboardSession } from '../../../src/vscode/dashboard/dashboardSession';
import { cellRuns, pointsPerTarget } from '../../../webview-ui/src/logic/chartData';

const NOW = 1_780_000_000_000;
const MINUTE = 60_000;

function series(statuses: string, bucketMs = 0, step = MINUTE): SeriesColumns {
  // One point per letter: u = up, d = down, s = slow (degraded), p = partly down.
  const t = [...statuses].map((_, i) => NOW - (statuses.length - i) * step);
  const of = (letter: string, counts: Record<string, number>): number => counts[letter] ?? 0;
  const zeros = t.map(() => 0);
  return {
    targetId: 'a',
    range: '1h',
    from: NOW - 3_600_000,
    to: NOW,
    bucketMs,
    t,
    avg: t.map(() => 20),
    max: t.map(() => 20),
    dns: zeros,
    connect: zeros,
    tls: zeros,
    firstByte: zeros,
    transfer: zeros,
    checks: [...statuses].map((letter) => (letter === 'p' ? 2 : 1)),
    down: [...statuses].map((letter) => of(letter, { d: 1, p: 1 })),
    degraded: [...statuses].map((letter) => of(letter, { s: 1 })),
    anomalies: zeros,
  };
}

test('points per target: one every 4 px of chart, within a budget for all lines, never below a floor', () => {
  assert.equal(pointsPerTarget(1200, 1), 300);
  assert.equal(pointsPerTarget(4000, 1), DEFAULT_MAX_POINTS, 'a very wide chart still asks for at most the default');
  assert.equal(pointsPerTarget(1200, 40), TOTAL_POINTS_BUDGET / 40, 'many targets share the budget');
  assert.equal(pointsPerTarget(100, 1), MIN_POINTS_PER_TARGET);
  assert.equal(pointsPerTarget(1200, 1000), MIN_POINTS_PER_TARGET);
  assert.equal(pointsPerTarget(0, 1), DEFAULT_MAX_POINTS, 'a panel not laid out yet asks for the default');
});

test('timeline cells: alike neighbours become one rectangle; failures and changes stay apart and visible', () => {
  const s = series('uuuuddduuusu', MINUTE);
  const span = 12 * MINUTE;
  const from = NOW - span;
  const xOf = (t: number): number => ((t - from) / span) * 1200;
  const runs = cellRuns(s, xOf, NOW, span, 1200);
  assert.deepEqual(
    runs.map((run) => run.status),
    ['up', 'down', 'up', 'degraded', 'up'],
  );
  assert.deepEqual(
    runs.map((run) => Math.round(run.x)),
    [0, 400, 700, 1000, 1100],
  );
  assert.equal(Math.round(runs[1]!.end), 700, 'three failed checks in a row are one cell');
  assert.equal(Math.round(runs.at(-1)!.end), 1200, 'the last check covers the time up to now');

  // A single failed check in a long range keeps a visible width instead of a sliver.
  const month = series('u'.repeat(500) + 'd' + 'u'.repeat(499));
  const monthSpan = 30 * 24 * 60 * MINUTE;
  const monthRuns = cellRuns(month, (t) => ((t - (NOW - monthSpan)) / monthSpan) * 1000, NOW, monthSpan, 1000);
  assert.deepEqual(
    monthRuns.map((run) => run.status),
    ['up', 'down', 'up'],
  );
  assert.ok(monthRuns[1]!.end - monthRuns[1]!.x >= 3);

  // Checks further apart than 1 % of the range leave the gap between them empty.
  const sparse = series('uuu', 0, 20 * MINUTE);
  const sparseSpan = 60 * MINUTE;
  const sparseRuns = cellRuns(sparse, (t) => ((t - (NOW - sparseSpan)) / sparseSpan) * 1000, NOW, sparseSpan, 1000);
  assert.equal(sparseRuns.length, 3);
});

test('series are sent rounded to 0.1 ms: still valid, nulls kept, the original untouched, the message much smaller', () => {
  const samples = Array.from({ length: 300 }, (_, i) =>
    sampleFromCheck({
      startedAt: NOW - i * MINUTE,
      status: i >= 100 && i < 120 ? 'DOWN' : 'UP',
      totalMs: 40 + Math.sin(i) * 7.123456,
      phases: { dns: 1.23456, connect: 2.34567, tls: 3.45678, firstByte: 30.98765 + Math.cos(i), transfer: 0.456789 },
    }),
  );
  const original = buildSeries(samples, { targetId: 'a', range: '24h', now: NOW, maxPoints: 100 });
  const before = JSON.stringify(original);
  const rounded = roundSeriesForTransfer(original);
  assert.ok(isSeriesColumns(rounded));
  assert.equal(JSON.stringify(original), before, 'the input is not modified');
  assert.equal(rounded.t, original.t);
  rounded.avg.forEach((value, i) => {
    const exact = original.avg[i];
    if (exact === null || exact === undefined) assert.equal(value, null);
    else assert.ok(value !== null && Math.abs(value - exact) <= 0.05 + 1e-9 && Number.isInteger(Math.round(value * 10 * 1e6) / 1e6));
  });
  assert.ok(rounded.avg.includes(null), 'a bucket where nothing answered stays a gap');
  assert.deepEqual(rounded.dns.slice(0, 1), [1.2]);
  const ratio = JSON.stringify(rounded).length / before.length;
  assert.ok(ratio < 0.6, `the rounded message is ${(ratio * 100).toFixed(0)} % of the original`);
});

test("the chart's series, asked for right after the report, is answered first", async () => {
  const source: DashboardDataSource = {
    targets: () => [],
    states: () => [],
    series: async (targetId, range, maxPoints, now) => buildSeries([], { targetId, range, now, maxPoints }),
    report: async () => [],
    onCheck: () => toDisposable(() => undefined),
    onStateChange: () => toDisposable(() => undefined),
    onTargetsChange: () => toDisposable(() => undefined),
  };
  const posted: HostToWebviewMessage[] = [];
  const session = new DashboardSession(source, {
    post: (m) => posted.push(m),
    saveReport: async () => false,
    log: () => undefined,
    now: () => NOW,
  });
  await Promise.all([
    session.receive({ type: 'requestReport', requestId: 1, range: '30d' }),
    session.receive({ type: 'requestSeries', requestId: 2, targetIds: ['a', 'b'], range: '30d', maxPoints: 100 }),
  ]);
  assert.deepEqual(
    posted.map((m) => m.type),
    ['series', 'report'],
  );
  session.dispose();
});

test('a series asked for with ready is answered right after init, for all targets, within the points budget', async () => {
  const ids = Array.from({ length: 200 }, (_, i) => `t${i}`);
  const calls: string[] = [];
  const source: DashboardDataSource = {
    targets: () => ids.map((id) => ({ id, name: id, url: `https://${id}.test/`, kind: 'http', address: null, location: null })),
    states: () => [],
    series: async (targetId, range, maxPoints, now) => {
      calls.push(`${targetId}:${range}:${maxPoints}`);
      return buildSeries([], { targetId, range, now, maxPoints });
    },
    report: async () => [],
    onCheck: () => toDisposable(() => undefined),
    onStateChange: () => toDisposable(() => undefined),
    onTargetsChange: () => toDisposable(() => undefined),
  };
  const posted: HostToWebviewMessage[] = [];
  const session = new DashboardSession(source, {
    post: (m) => posted.push(m),
    saveReport: async () => false,
    log: () => undefined,
    now: () => NOW,
  });
  await session.receive({ type: 'ready', series: { requestId: 4, targetIds: null, range: '7d', maxPoints: 400 } });
  assert.deepEqual(
    posted.map((m) => m.type),
    ['init', 'series'],
  );
  const reply = posted[1];
  assert.ok(reply?.type === 'series' && reply.requestId === 4 && reply.series.length === 200);
  assert.equal(calls[0], `t0:7d:${MIN_POINTS_PER_TARGET}`, '200 lines share the budget, down to the floor');
  posted.length = 0;
  calls.length = 0;
  await session.receive({ type: 'ready', series: { requestId: 5, targetIds: ['t1', 't2'], range: '1h', maxPoints: 400 } });
  assert.deepEqual(calls, ['t1:1h:400', 't2:1h:400'], 'a saved selection is asked for as it is');
  session.dispose();

  assert.ok(isWebviewToHostMessage({ type: 'ready' }), 'ready alone is still valid');
  for (const series of [
    { requestId: 0, targetIds: null, range: '1h', maxPoints: 100 },
    { requestId: 1, targetIds: 'all', range: '1h', maxPoints: 100 },
    { requestId: 1, targetIds: null, range: '2h', maxPoints: 100 },
    { requestId: 1, targetIds: null, range: '1h', maxPoints: 1 },
    null,
  ]) {
    assert.ok(!isWebviewToHostMessage({ type: 'ready', series }), JSON.stringify(series));
  }
});

test('the test probe is in the HTML only when asked for', () => {
  const parts = { cspSource: 's', scriptUri: 'j', styleUri: 'c', nonce: 'n' };
  assert.ok(!renderDashboardHtml(parts).includes('data-test-probe'));
  assert.ok(renderDashboardHtml({ ...parts, testProbe: true }).includes('<body data-test-probe="true">'));
});
