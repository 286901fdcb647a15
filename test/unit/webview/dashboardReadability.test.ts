// What makes the charts readable in any theme and time zone: solid colours from translucent theme
// colours, time ticks on round local times, short axis labels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RANGE_MS, type SeriesColumns } from '../../../src/shared/dashboardProtocol';
import { formatAxisMs, formatTick, timeTicks, visibleTimeWindow } from '../../../webview-ui/src/logic/chartData';
import { opaque } from '../../../webview-ui/src/logic/color';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

test('translucent theme colours become solid; solid ones and unknown forms are left alone', () => {
  assert.equal(opaque('#EA5C0055'), '#EA5C00', "the Modern themes' charts.orange");
  assert.equal(opaque('#abcd'), '#abc');
  assert.equal(opaque('#3794ff'), '#3794ff');
  assert.equal(opaque('rgba(1, 2, 3, 0.3)'), 'rgb(1, 2, 3)');
  assert.equal(opaque('rgb(1 2 3 / 50%)'), 'rgb(1, 2, 3)');
  assert.equal(opaque('rgb(1, 2, 3)'), 'rgb(1, 2, 3)');
  assert.equal(opaque('red'), 'red');
});

function local(t: number): { minutes: number; hours: number; date: number } {
  const d = new Date(t);
  return { minutes: d.getMinutes(), hours: d.getHours(), date: d.getDate() };
}

test('time ticks fall on round local times, inside the range, never more than asked for', () => {
  const now = new Date(2026, 10, 24, 6, 57, 13).getTime();
  for (const [span, maxTicks] of [
    [HOUR, 8],
    [DAY, 8],
    [DAY, 6],
    [7 * DAY, 8],
    [30 * DAY, 8],
    [365 * DAY, 8],
  ] as const) {
    const ticks = timeTicks(now - span, now, maxTicks);
    assert.ok(ticks.length >= 2 && ticks.length <= maxTicks + 1, `${span / HOUR} h: ${ticks.length} ticks`);
    assert.ok(
      ticks.every((t) => t >= now - span && t <= now),
      `${span / HOUR} h: a tick outside the range`,
    );
    assert.ok(
      ticks.every((t, i) => i === 0 || t > ticks[i - 1]!),
      `${span / HOUR} h: ticks out of order`,
    );
    for (const t of ticks) {
      const { minutes, hours, date } = local(t);
      if (span <= HOUR) assert.equal(minutes % 10, 0, `1 h tick at ${new Date(t).toString()}`);
      else if (span <= DAY) assert.ok(minutes === 0 && hours % 3 === 0, `24 h tick at ${new Date(t).toString()}`);
      else if (span <= 30 * DAY) assert.ok(minutes === 0 && hours === 0, `tick at ${new Date(t).toString()} is not a midnight`);
      else assert.ok(hours === 0 && date === 1, `1 y tick at ${new Date(t).toString()} is not the first of a month`);
    }
  }
  assert.deepEqual(timeTicks(now, now, 8), []);
});

test('axis labels are short: milliseconds without Intl, midnight ticks of a week as the date alone', () => {
  assert.equal(formatAxisMs(0), '0');
  assert.equal(formatAxisMs(250), '250');
  assert.equal(formatAxisMs(2.5), '2.5');
  assert.equal(formatAxisMs(1500), '1.5k');
  assert.equal(formatAxisMs(12_000), '12k');
  assert.equal(formatTick(new Date(2026, 10, 24, 0, 0).getTime(), RANGE_MS['7d']), '11-24');
  assert.equal(formatTick(new Date(2026, 10, 24, 12, 0).getTime(), RANGE_MS['7d']), '11-24 12:00');
  assert.equal(formatTick(new Date(2026, 10, 24, 12, 30).getTime(), RANGE_MS['24h']), '12:30');
  assert.equal(formatTick(new Date(2026, 10, 24, 12, 30).getTime(), RANGE_MS['30d']), '2026-11-24');
  // Minutes of history on the 30-day range: the axis spans minutes, and its labels are clock times.
  assert.equal(formatTick(new Date(2026, 10, 24, 12, 30).getTime(), 10 * 60_000), '12:30');
});

/** A series of one check a minute over the last `minutes`, as the host sends a young history. */
function youngSeries(now: number, minutes: number): SeriesColumns {
  const t = Array.from({ length: minutes }, (_, i) => now - (minutes - i) * 60_000);
  const zeros = t.map(() => 0);
  return {
    targetId: 'young',
    range: '24h',
    from: now - RANGE_MS['24h'],
    to: now,
    bucketMs: 0,
    t,
    avg: t.map(() => 20),
    max: t.map(() => 25),
    dns: zeros,
    connect: zeros,
    tls: zeros,
    firstByte: zeros,
    transfer: zeros,
    checks: t.map(() => 1),
    down: zeros,
    degraded: zeros,
    anomalies: zeros,
  };
}

test('a young history is drawn over the time it covers, not squeezed into the last pixels of the range', () => {
  const now = new Date(2026, 11, 7, 12, 0).getTime();
  // 30 minutes of checks on the 24-hour range: the axis starts just before the first check.
  const young = visibleTimeWindow('24h', [youngSeries(now, 30)], now);
  assert.equal(young.to, now);
  assert.ok(young.from < now - 30 * 60_000, 'the first check is on the axis');
  assert.ok(
    young.from > now - 35 * 60_000,
    `the axis starts at most a few minutes before the first check, not ${(now - young.from) / 60_000} min`,
  );
  // Two minutes of checks get at least five minutes of axis.
  assert.equal(visibleTimeWindow('24h', [youngSeries(now, 2)], now).from, now - 5 * 60_000);
  // A history older than the range, and an empty one, show the whole range.
  assert.equal(visibleTimeWindow('1h', [youngSeries(now, 90)], now).from, now - RANGE_MS['1h']);
  assert.equal(visibleTimeWindow('24h', [], now).from, now - RANGE_MS['24h']);
  // With several targets, the oldest first check sets the start.
  const twoTargets = visibleTimeWindow('7d', [youngSeries(now, 10), youngSeries(now, 120)], now);
  assert.ok(twoTargets.from < now - 120 * 60_000 && twoTargets.from > now - 130 * 60_000);
});
