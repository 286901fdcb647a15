import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelledSeries } from '../../../bench/anomaly/evaluationSet';
import { generateSeries } from '../../../bench/anomaly/evaluationSet';
import { combine, scoreSeries, WEIGHTS } from '../../../bench/anomaly/windowMetric';

/** 100 checks a minute apart, probation 10, one window over checks 40..59. */
function series(): LabelledSeries {
  const times = Array.from({ length: 100 }, (_, i) => i * 60_000);
  return {
    name: 't',
    seed: 2,
    times,
    values: times.map(() => 10),
    windows: [{ kind: 'spike', start: times[40]!, end: times[59]! }],
    probation: 10,
  };
}

function flagsAt(...indices: number[]): boolean[] {
  const flags = new Array<boolean>(100).fill(false);
  for (const i of indices) flags[i] = true;
  return flags;
}

describe('window metric', () => {
  it('scores never alerting 0 and a detection at each window start 100', () => {
    assert.equal(combine([scoreSeries(series(), flagsAt())]).score, 0);
    assert.equal(combine([scoreSeries(series(), flagsAt(40))]).score, 100);
  });

  it('rewards an early detection more than a late one, and counts one per window', () => {
    const early = combine([scoreSeries(series(), flagsAt(42))]).score;
    const late = combine([scoreSeries(series(), flagsAt(57))]).score;
    assert.ok(early > late && late > 0, `early ${early}, late ${late}`);
    assert.equal(combine([scoreSeries(series(), flagsAt(42, 43, 50))]).score, early);
  });

  it('costs a false positive far from any window the full weight, and ignores probation', () => {
    const outcome = scoreSeries(series(), flagsAt(5, 20, 40));
    assert.equal(outcome.falsePositives, 1);
    assert.ok(Math.abs(outcome.raw - (2 / (1 + Math.exp(-5)) - 1 - WEIGHTS.falsePositive)) < 1e-12);
  });

  it('generates the same labelled series from the same seed', () => {
    const a = generateSeries(3);
    const b = generateSeries(3);
    assert.deepEqual(a, b);
    assert.ok(a.values.length >= 2500 && a.windows.length >= 1);
    assert.ok(a.windows.every((w) => w.start >= a.times[a.probation]!));
  });
});
