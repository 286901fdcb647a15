import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RANGE_MS, isSeriesColumns, type LiveCheck } from '../../../src/shared/dashboardProtocol';
import { appendLiveCheck, buildSeries, chooseBucketMs, sampleFromCheck, type SeriesCheck } from '../../../src/shared/seriesDownsampling';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const MINUTE = 60_000;

function check(startedAt: number, totalMs: number, status: SeriesCheck['status'] = 'UP'): SeriesCheck {
  return { startedAt, status, totalMs, phases: { dns: 1, connect: 2, tls: 3, firstByte: totalMs - 10, transfer: 4 } };
}

test('a 30-day history of one check a minute is bounded to maxPoints aligned buckets, keeping counts, means and spikes', () => {
  const checks: SeriesCheck[] = [];
  for (let t = NOW - RANGE_MS['30d'] + MINUTE; t <= NOW; t += MINUTE) checks.push(check(t, 100));
  checks.push(check(NOW - 3 * 24 * 60 * MINUTE + 30_000, 5000)); // one spike
  checks.push(check(NOW - 2 * 24 * 60 * MINUTE + 30_000, 0, 'DOWN')); // one failure
  const series = buildSeries(
    checks.map((c) => sampleFromCheck(c)),
    { targetId: 'a', range: '30d', now: NOW, maxPoints: 500 },
  );
  assert.ok(series.t.length <= 500, `${series.t.length} points`);
  assert.ok(series.t.length > 250, 'not coarser than needed');
  assert.ok(isSeriesColumns(series));
  assert.equal(series.bucketMs, 2 * 60 * MINUTE);
  assert.ok(
    series.t.every((t) => t % series.bucketMs === 0),
    'buckets aligned to the epoch',
  );
  assert.equal(
    series.checks.reduce((a, b) => a + b, 0),
    checks.length,
    'every check counted once',
  );
  assert.equal(
    series.down.reduce((a, b) => a + b, 0),
    1,
  );
  assert.equal(Math.max(...series.max.map((v) => v ?? 0)), 5000, 'the spike survives');
  const spikeBucket = series.max.indexOf(5000);
  assert.ok(Math.abs(series.avg[spikeBucket]! - (100 * 120 + 5000) / 121) < 1e-9, 'mean weighted by answered checks');
  const downBucket = series.down.indexOf(1);
  assert.equal(series.avg[downBucket], 100, 'a failed check does not drag the mean response time to 0');
});

test('few checks are returned one point each, sorted, and only those inside the window', () => {
  const samples = [
    check(NOW - 10 * MINUTE, 50),
    check(NOW - 30 * MINUTE, 70),
    check(NOW - 2 * 60 * MINUTE, 90),
    check(NOW + MINUTE, 10),
  ].map((c) => sampleFromCheck(c));
  const series = buildSeries(samples, { targetId: 'a', range: '1h', now: NOW, maxPoints: 500 });
  assert.equal(series.bucketMs, 0);
  assert.deepEqual(series.t, [NOW - 30 * MINUTE, NOW - 10 * MINUTE]);
  assert.deepEqual(series.avg, [70, 50]);
  assert.deepEqual(series.firstByte, [60, 40]);
});

test('bucket widths never give more than maxPoints buckets for any range', () => {
  for (const range of Object.keys(RANGE_MS) as (keyof typeof RANGE_MS)[]) {
    for (const maxPoints of [2, 10, 100, 500, 2000]) {
      const width = chooseBucketMs(RANGE_MS[range], maxPoints);
      assert.ok(Math.floor(RANGE_MS[range] / width) + 1 <= maxPoints, `${range} ${maxPoints}: ${width}`);
    }
  }
});

function live(startedAt: number, totalMs: number | null, status: LiveCheck['status'] = 'UP', anomaly = false): LiveCheck {
  return { targetId: 'a', startedAt, status, totalMs, phases: [1, 2, 3, (totalMs ?? 10) - 10, 4], anomaly };
}

test('a live check is appended to a raw series and points that left the window are dropped', () => {
  const series = buildSeries(
    [check(NOW - 59 * MINUTE, 80), check(NOW - 30 * MINUTE, 90)].map((c) => sampleFromCheck(c)),
    { targetId: 'a', range: '1h', now: NOW, maxPoints: 500 },
  );
  const later = NOW + 2 * MINUTE;
  assert.equal(appendLiveCheck(series, live(later, 120, 'UP', true), later, 500), true);
  assert.deepEqual(series.t, [NOW - 30 * MINUTE, later]);
  assert.deepEqual(series.avg, [90, 120]);
  assert.deepEqual(series.anomalies, [0, 1]);
  assert.equal(series.from, later - RANGE_MS['1h']);
  assert.equal(appendLiveCheck(series, { ...live(later, 5), targetId: 'other' }, later, 500), false, 'another target is ignored');
  assert.equal(series.t.length, 2);
});

test("a live check's unusual phase stays with the series as long as its point does", () => {
  const series = buildSeries([sampleFromCheck(check(NOW - 50 * MINUTE, 80))], { targetId: 'a', range: '1h', now: NOW, maxPoints: 500 });
  assert.equal(series.unusualPhases === undefined, true, 'the host adds the stored ones; none here');
  const named = { ...live(NOW + MINUTE, 90, 'UP', true), unusualPhase: { phase: 'tls' as const, factor: 2.5 } };
  appendLiveCheck(series, named, NOW + MINUTE, 500);
  assert.deepEqual(series.unusualPhases, [{ t: NOW + MINUTE, phase: 'tls', factor: 2.5 }]);
  appendLiveCheck(series, live(NOW + 30 * MINUTE, 90), NOW + 30 * MINUTE, 500);
  assert.equal(series.unusualPhases?.length, 1, 'still in the window');
  appendLiveCheck(series, live(NOW + 62 * MINUTE, 90), NOW + 62 * MINUTE, 500);
  assert.deepEqual(series.unusualPhases, [], 'gone with its point');
});

test('a live check merges into its bucket in a downsampled series', () => {
  const samples = [];
  for (let t = NOW - RANGE_MS['24h'] + MINUTE; t <= NOW; t += MINUTE) samples.push(sampleFromCheck(check(t, 100)));
  const series = buildSeries(samples, { targetId: 'a', range: '24h', now: NOW, maxPoints: 100 });
  const points = series.t.length;
  const lastChecks = series.checks[points - 1]!;
  appendLiveCheck(series, live(NOW + 1000, null, 'DOWN'), NOW + 1000, 100);
  assert.equal(series.t.length, points, 'same bucket');
  assert.equal(series.checks[points - 1], lastChecks + 1);
  assert.equal(series.down[points - 1], 1);
  assert.equal(series.avg[points - 1], 100);
  const nextBucket = series.t[points - 1]! + series.bucketMs;
  appendLiveCheck(series, live(nextBucket + 5, 300), nextBucket + 5, 100);
  assert.equal(series.t.at(-1), nextBucket);
  assert.ok(series.t.length <= 100);
  assert.ok(series.t[0]! + series.bucketMs > series.from, 'no bucket entirely outside the window');
});

test('a raw series that outgrows maxPoints through live checks is re-bucketed', () => {
  const series = buildSeries([], { targetId: 'a', range: '1h', now: NOW, maxPoints: 20 });
  let now = NOW;
  for (let i = 0; i < 200; i++) {
    now += 10_000;
    appendLiveCheck(series, live(now, 50 + i), now, 20);
    assert.ok(series.t.length <= 20, `after ${i + 1} checks: ${series.t.length}`);
  }
  assert.ok(series.bucketMs > 0);
  assert.equal(
    series.checks.reduce((a, b) => a + b, 0),
    200,
    'all 200 checks (30 min) still inside the 1 h window',
  );
});
