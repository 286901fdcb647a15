import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DashboardTarget, MapLocation, SeriesColumns } from '../../../src/shared/dashboardProtocol';
import {
  availability,
  cellStatus,
  findIncidents,
  formatDuration,
  formatMs,
  formatPercent,
  responsePoints,
  unusualPhasesByPoint,
} from '../../../webview-ui/src/logic/chartData';
import { layoutMarkers, networkName, placeName } from '../../../webview-ui/src/logic/mapLayout';
import { RequestTracker } from '../../../webview-ui/src/logic/requestTracker';
import {
  DEFAULT_UI_STATE,
  MAP_HEIGHT,
  MAP_WIDTH,
  clampMapView,
  restoreUiState,
  shownTargetIds,
  toggleTarget,
  viewBoxOf,
  zoomMap,
} from '../../../webview-ui/src/logic/uiState';
import { withAlpha } from '../../../webview-ui/src/logic/color';

function series(columns: Partial<SeriesColumns> & { t: number[] }): SeriesColumns {
  const zeros = columns.t.map(() => 0);
  return {
    targetId: 'a',
    range: '1h',
    from: 0,
    to: 100,
    bucketMs: 0,
    avg: columns.t.map(() => 10),
    max: columns.t.map(() => 10),
    dns: zeros,
    connect: zeros,
    tls: zeros,
    firstByte: zeros,
    transfer: zeros,
    checks: columns.t.map(() => 1),
    down: zeros,
    degraded: zeros,
    anomalies: zeros,
    ...columns,
  };
}

test('a named unusual phase lands on its point: the check itself, or the most unusual of a bucket', () => {
  const raw = series({ t: [10, 20, 30], unusualPhases: [{ t: 20, phase: 'tls', factor: 2.3 }] });
  assert.deepEqual([...unusualPhasesByPoint(raw)], [[1, { phase: 'tls', factor: 2.3 }]]);
  const buckets = series({
    t: [0, 60, 120],
    bucketMs: 60,
    unusualPhases: [
      { t: 61, phase: 'dns', factor: 3 },
      { t: 119, phase: 'transfer', factor: 5 },
      { t: 150, phase: 'firstByte', factor: 1.8 },
      { t: 500, phase: 'tls', factor: 9 },
    ],
  });
  assert.deepEqual(
    [...unusualPhasesByPoint(buckets)],
    [
      [1, { phase: 'transfer', factor: 5 }],
      [2, { phase: 'firstByte', factor: 1.8 }],
    ],
    'a note outside every point is dropped',
  );
  assert.equal(unusualPhasesByPoint(series({ t: [10] })).size, 0);
});

test('restoring UI state accepts a valid saved state and repairs anything else', () => {
  assert.deepEqual(restoreUiState(undefined), DEFAULT_UI_STATE);
  assert.deepEqual(restoreUiState('garbage'), DEFAULT_UI_STATE);
  const saved = { version: 1, selected: ['a'], range: '7d', focused: 'a', map: { zoom: 2, x: 300, y: 200 } };
  assert.deepEqual(restoreUiState(saved), saved);
  assert.deepEqual(restoreUiState({ selected: [1], range: '2w', map: { zoom: 99, x: -5, y: 'x' } }), {
    version: 1,
    selected: null,
    range: '24h',
    focused: null,
    map: { zoom: 8, x: 0, y: MAP_HEIGHT / 2 },
  });
});

test('selection: all by default, unknown ids dropped, and "all" stored as null so new targets show', () => {
  const ids = ['a', 'b', 'c'];
  assert.deepEqual(shownTargetIds(DEFAULT_UI_STATE, ids), ids);
  const withoutB = toggleTarget(DEFAULT_UI_STATE, ids, 'b', false);
  assert.deepEqual(withoutB.selected, ['a', 'c']);
  assert.deepEqual(shownTargetIds({ ...withoutB, selected: ['c', 'gone', 'a'] }, ids), ['c', 'a']);
  assert.equal(toggleTarget(withoutB, ids, 'b', true).selected, null);
});

test('map zoom keeps the point under the cursor and the view inside the map', () => {
  const start = { zoom: 1, x: MAP_WIDTH / 2, y: MAP_HEIGHT / 2 };
  const zoomed = zoomMap(start, 2, 600, 300);
  assert.equal(zoomed.zoom, 2);
  const [x, y, width, height] = viewBoxOf(zoomed);
  // The cursor point keeps its relative position in the view box.
  assert.ok(Math.abs((600 - x) / width - 600 / MAP_WIDTH) < 1e-9);
  assert.ok(Math.abs((300 - y) / height - 300 / MAP_HEIGHT) < 1e-9);
  assert.deepEqual(zoomMap(start, 0.5, 0, 0), start, 'cannot zoom out past the whole world');
  const corner = clampMapView({ zoom: 4, x: 0, y: 10_000 });
  const [cx, cy, cw, ch] = viewBoxOf(corner);
  assert.equal(cx, 0);
  assert.equal(cy + ch, MAP_HEIGHT);
  assert.equal(cw, MAP_WIDTH / 4);
});

test('only the latest request of a kind is accepted, once', () => {
  const tracker = new RequestTracker();
  const first = tracker.issue('series');
  const report = tracker.issue('report');
  const second = tracker.issue('series');
  assert.equal(tracker.settle('series', first), false, 'a stale answer is ignored');
  assert.equal(tracker.kindOf(report), 'report');
  assert.equal(tracker.settle('series', second), true);
  assert.equal(tracker.settle('series', second), false, 'a duplicate answer is ignored');
  assert.equal(tracker.isPending('report'), true);
  assert.ok(second > report && report > first);
});

test('chart data: gaps where nothing answered, buckets drawn at their middle, statuses per cell', () => {
  const raw = series({ t: [10, 20, 30], avg: [5, null, 7], checks: [1, 1, 1], down: [0, 1, 0], degraded: [0, 0, 1] });
  assert.deepEqual(responsePoints(raw), [
    { x: 10, y: 5 },
    { x: 20, y: null },
    { x: 30, y: 7 },
  ]);
  assert.deepEqual(
    [0, 1, 2].map((i) => cellStatus(raw, i)),
    ['up', 'down', 'degraded'],
  );
  const buckets = series({ t: [0, 60], bucketMs: 60, checks: [10, 10], down: [3, 0], avg: [5, 6] });
  assert.deepEqual(
    responsePoints(buckets).map((p) => p.x),
    [30, 90],
  );
  assert.equal(cellStatus(buckets, 0), 'partial');
  assert.equal(availability(buckets), 17 / 20);
  assert.equal(availability(series({ t: [] })), null);
});

test('incidents join consecutive failing points and end where the next good one starts', () => {
  const raw = series({ t: [0, 10, 20, 30, 40, 50], down: [0, 1, 1, 0, 1, 0], checks: [1, 1, 1, 1, 1, 1] });
  assert.deepEqual(findIncidents(raw), [
    { from: 10, to: 30, failedChecks: 2 },
    { from: 40, to: 50, failedChecks: 1 },
  ]);
  const buckets = series({ t: [0, 60, 120], bucketMs: 60, down: [0, 4, 2], checks: [5, 5, 5] });
  assert.deepEqual(findIncidents(buckets), [{ from: 60, to: 180, failedChecks: 6 }]);
});

test('numbers are formatted for people', () => {
  assert.equal(formatMs(null), '–');
  assert.equal(formatMs(83.6), '84 ms');
  assert.equal(formatMs(12_340), '12.3 s');
  assert.equal(formatPercent(1), '100 %');
  assert.equal(formatPercent(0.99876), '99.876 %');
  assert.equal(formatPercent(0.5), '50.00 %');
  assert.equal(formatDuration(90 * 60_000), '90 min');
  assert.equal(formatDuration(3 * 86_400_000), '3.0 days');
});

const place = (location: Partial<MapLocation> | null): MapLocation | null =>
  location && { country: null, countryCode: null, city: null, isp: null, asn: null, lat: null, lon: null, local: false, ...location };
const target = (id: string, location: MapLocation | null): DashboardTarget => ({
  id,
  name: id,
  url: `https://${id}/`,
  kind: 'http',
  address: null,
  location,
});

test('map layout: located targets become markers, overlapping ones are spread, local and unknown are listed', () => {
  const project = ([lon, lat]: [number, number]): [number, number] => [lon + 180, 90 - lat];
  const layout = layoutMarkers(
    [
      target('us1', place({ country: 'United States', lat: 40, lon: -100 })),
      target('us2', place({ country: 'United States', lat: 40, lon: -100 })),
      target('jp', place({ country: 'Japan', lat: 36, lon: 138 })),
      target('lan', place({ local: true })),
      target('pending', null),
      target('nowhere', place({ country: null })),
    ],
    project,
    7,
  );
  assert.deepEqual(layout.markers.map((m) => m.target.id).sort(), ['jp', 'us1', 'us2']);
  assert.deepEqual(
    layout.local.map((t) => t.id),
    ['lan'],
  );
  assert.deepEqual(
    layout.unknown.map((t) => t.id),
    ['pending', 'nowhere'],
  );
  const [a, b] = layout.markers.filter((m) => m.target.id.startsWith('us'));
  assert.ok(Math.hypot(a!.x - b!.x, a!.y - b!.y) >= 13, 'the two US markers do not overlap');
  const jp = layout.markers.find((m) => m.target.id === 'jp')!;
  assert.deepEqual([jp.x, jp.y], [318, 54]);
});

test('place and network names read well with whatever is known', () => {
  assert.equal(placeName(place({ city: 'Mountain View', country: 'United States' })), 'Mountain View, United States');
  assert.equal(placeName(place({ country: 'Germany' })), 'Germany');
  assert.equal(placeName(place({ local: true })), 'Local network');
  assert.equal(placeName(null), null);
  assert.equal(networkName(place({ isp: 'Google LLC', asn: 15169 })), 'Google LLC (AS15169)');
  assert.equal(networkName(place({ asn: 3215 })), 'AS3215');
  assert.equal(networkName(place({})), null);
});

test('theme colours get transparency for the stacked areas', () => {
  assert.equal(withAlpha('#3794ff', 0.5), 'rgba(55, 148, 255, 0.5)');
  assert.equal(withAlpha('#fff', 0.5), 'rgba(255, 255, 255, 0.5)');
  assert.equal(withAlpha('#00000080', 0.5), 'rgba(0, 0, 0, 0.251)');
  assert.equal(withAlpha('rgb(1, 2, 3)', 0.5), 'rgba(1, 2, 3, 0.5)');
  assert.equal(withAlpha('rgba(1, 2, 3, 0.5)', 0.5), 'rgba(1, 2, 3, 0.25)');
  assert.equal(withAlpha('var(--x)', 0.5), 'var(--x)');
});
