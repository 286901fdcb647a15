import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isHostToWebviewMessage,
  isWebviewToHostMessage,
  unusualPhaseFigures,
  type HostToWebviewMessage,
} from '../../../src/shared/dashboardProtocol';
import { reportToCsv } from '../../../src/shared/reportExport';

test('the host accepts every well-formed webview message', () => {
  for (const message of [
    { type: 'ready' },
    { type: 'selectTargets', targetIds: ['a', 'b'] },
    { type: 'setRange', range: '7d' },
    { type: 'requestSeries', requestId: 1, targetIds: ['a'], range: '30d', maxPoints: 500 },
    { type: 'requestReport', requestId: 2, range: '1y' },
    { type: 'exportReport', range: '24h', format: 'csv' },
    { type: 'webviewError', message: 'boom' },
  ])
    assert.equal(isWebviewToHostMessage(message), true, JSON.stringify(message));
});

test('the host rejects malformed webview messages', () => {
  for (const message of [
    null,
    'ready',
    [],
    {},
    { type: 'nope' },
    { type: 'setRange', range: '2d' },
    { type: 'selectTargets', targetIds: 'a' },
    { type: 'selectTargets', targetIds: [1] },
    { type: 'requestSeries', targetIds: ['a'], range: '1h', maxPoints: 500 },
    { type: 'requestSeries', requestId: 0, targetIds: ['a'], range: '1h', maxPoints: 500 },
    { type: 'requestSeries', requestId: 1.5, targetIds: ['a'], range: '1h', maxPoints: 500 },
    { type: 'requestSeries', requestId: 1, targetIds: ['a'], range: '1h', maxPoints: 1e9 },
    { type: 'requestReport', requestId: '1', range: '1h' },
    { type: 'exportReport', range: '1h', format: 'xlsx' },
    { type: 'selectTargets', targetIds: new Array(1001).fill('x') },
  ])
    assert.equal(isWebviewToHostMessage(message), false, JSON.stringify(message));
});

const target = {
  id: 'a',
  name: 'A',
  url: 'https://a.test/',
  kind: 'http',
  address: '127.0.0.1',
  location: { country: null, countryCode: null, city: null, isp: null, asn: null, lat: null, lon: null, local: true },
};
const state = { targetId: 'a', status: 'UP', since: 1, lastCheckAt: 2, lastTotalMs: 30, message: 'OK' };
const series = {
  targetId: 'a',
  range: '1h',
  from: 0,
  to: 10,
  bucketMs: 0,
  t: [1, 2],
  avg: [5, null],
  max: [5, null],
  dns: [1, 0],
  connect: [1, 0],
  tls: [0, 0],
  firstByte: [3, 0],
  transfer: [0, 0],
  checks: [1, 1],
  down: [0, 1],
  degraded: [0, 0],
  anomalies: [0, 0],
};

test('the webview accepts every well-formed host message', () => {
  const messages: HostToWebviewMessage[] = [
    { type: 'init', targets: [target as never], states: [state as never], range: '24h', now: 5 },
    { type: 'targetsChanged', targets: [], states: [] },
    { type: 'series', requestId: 3, series: [series as never] },
    { type: 'series', requestId: 3, series: [{ ...series, unusualPhases: [{ t: 1, phase: 'tls', factor: 2.3 }] } as never] },
    { type: 'checkAdded', check: { targetId: 'a', startedAt: 1, status: 'DOWN', totalMs: null, phases: [0, 0, 0, 0, 0], anomaly: false } },
    {
      type: 'checkAdded',
      check: {
        targetId: 'a',
        startedAt: 1,
        status: 'UP',
        totalMs: 9,
        phases: [5, 1, 1, 1, 1],
        anomaly: true,
        unusualPhase: { phase: 'dns', factor: 8 },
      },
    },
    { type: 'stateChanged', state: state as never },
    {
      type: 'report',
      requestId: 4,
      range: '7d',
      rows: [
        {
          targetId: 'a',
          name: 'A',
          url: 'u',
          availability: 0.99,
          avgMs: 1,
          p95Ms: 2,
          location: null,
          anomalies: 0,
          lastStatus: 'UP',
          certDaysLeft: null,
        },
      ],
    },
    { type: 'error', message: 'x' },
    { type: 'error', requestId: 4, message: 'x' },
  ];
  for (const message of messages) assert.equal(isHostToWebviewMessage(message), true, JSON.stringify(message));
});

test('the webview rejects host messages with columns of different lengths or wrong types', () => {
  for (const message of [
    { type: 'series', requestId: 3, series: [{ ...series, avg: [5] }] },
    { type: 'series', requestId: 3, series: [{ ...series, dns: [1, null] }] },
    { type: 'init', targets: [{ ...target, kind: 'icmp' }], states: [], range: '24h', now: 5 },
    { type: 'stateChanged', state: { ...state, status: 'SIDEWAYS' } },
    { type: 'checkAdded', check: { targetId: 'a', startedAt: 1, status: 'UP', totalMs: 5, phases: [0, 0], anomaly: false } },
    { type: 'error', requestId: -1, message: 'x' },
  ])
    assert.equal(isHostToWebviewMessage(message), false, JSON.stringify(message).slice(0, 80));
});

test('only a phase of ours with a finite positive factor passes as an unusual phase', () => {
  const check = { targetId: 'a', startedAt: 1, status: 'UP', totalMs: 9, phases: [5, 1, 1, 1, 1], anomaly: true };
  for (const unusualPhase of [
    { phase: '[open](command:workbench.action.terminal.new)', factor: 2 },
    { phase: 'tls', factor: Number.NaN },
    { phase: 'tls', factor: -1 },
    { phase: 'tls', factor: '2' },
    'tls',
  ]) {
    assert.equal(isHostToWebviewMessage({ type: 'checkAdded', check: { ...check, unusualPhase } }), false, JSON.stringify(unusualPhase));
    const notes = [{ t: 1, ...(typeof unusualPhase === 'object' ? unusualPhase : {}) }];
    assert.equal(isHostToWebviewMessage({ type: 'series', requestId: 3, series: [{ ...series, unusualPhases: notes }] }), false);
    assert.equal(unusualPhaseFigures(unusualPhase), undefined);
  }
  assert.equal(
    isHostToWebviewMessage({ type: 'series', requestId: 3, series: [{ ...series, unusualPhases: [{ phase: 'tls', factor: 2 }] }] }),
    false,
    'a note without its time',
  );
  assert.deepEqual(unusualPhaseFigures({ phase: 'tls', factor: 2.345 }), { phase: 'tls', factor: '2.3' });
  assert.deepEqual(unusualPhaseFigures({ phase: 'dns', factor: 12.4 }), { phase: 'dns', factor: '12' });
});

test('the CSV export quotes, rounds and defuses formula-like cells', () => {
  const csv = reportToCsv([
    {
      targetId: 'a',
      name: 'Shop, EU',
      url: 'https://shop.test/',
      availability: 0.998765,
      avgMs: 123.456,
      p95Ms: 300,
      location: 'Paris, France',
      anomalies: 2,
      lastStatus: 'UP',
      certDaysLeft: 41,
    },
    {
      targetId: 'b',
      name: '=HYPERLINK("x")',
      url: 'tcp://db:5432',
      availability: null,
      avgMs: null,
      p95Ms: null,
      location: null,
      anomalies: 0,
      lastStatus: 'UNKNOWN',
      certDaysLeft: null,
    },
  ]);
  const lines = csv.split('\r\n');
  assert.equal(lines[0], 'Target,URL,Availability %,Avg Response ms,p95 Response ms,Location,Anomalies,Last Status,Certificate Days Left');
  assert.equal(lines[1], '"Shop, EU",https://shop.test/,99.877,123.5,300,"Paris, France",2,UP,41');
  assert.equal(lines[2], `"'=HYPERLINK(""x"")",tcp://db:5432,,,,,0,UNKNOWN,`);
});
