import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnomalyLikelihood } from '../../../src/core/anomaly/anomalyLikelihood';
import { RobustLevel } from '../../../src/core/anomaly/robustLevel';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';

const options = { historySize: 128, recentSize: 5, minHistory: 8 };

/** Hourly crash counts around 40, give or take 10. */
function counts(length: number, seed: number): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length }, () => 30 + Math.round(20 * random()));
}

describe('RobustLevel', () => {
  it('still sees a spike after earlier spikes, which a rolling standard deviation no longer does', () => {
    const values = counts(300, 3);
    for (const at of [150, 170, 190, 210]) values[at] = 900;
    const robust = new RobustLevel(options);
    const gaussian = new AnomalyLikelihood({ historySize: 128, shortSize: 1, minHistory: 8, minDeviation: 1e-9, twoSided: true });
    const robustSurprises = values.map((value) => robust.update(value));
    const gaussianSurprises = values.map((value) => gaussian.update(value));
    // A robust z of 8 is a surprise of about 15; the fourth spike is far beyond it.
    assert.ok(robustSurprises[210]! > 15, `the fourth spike surprised the robust level by ${robustSurprises[210]}`);
    assert.ok(gaussianSurprises[150]! > 15, 'the first spike is plain to both');
    // At the same bar (a z of 8), the mean and standard deviation of the same window miss it.
    assert.ok(gaussianSurprises[210]! < 15, `the standard deviation still saw the fourth spike (${gaussianSurprises[210]})`);
  });

  it('finds a level shift unusual at its first checks, not for as long as the window remembers the old level', () => {
    const values = [...counts(200, 5), ...Array.from({ length: 60 }, (_, i) => 400 + (i % 7))];
    const level = new RobustLevel(options);
    const surprises = values.map((value) => level.update(value));
    assert.ok(surprises[200]! > 15, `the shift's first check: ${surprises[200]}`);
    // From the fourth check on, the median of the last five is the new level.
    assert.ok(Math.max(...surprises.slice(204, 260)) < 3, `still surprised after the shift: ${Math.max(...surprises.slice(204, 260))}`);
  });

  it('reads a count that is mostly 0 by its resolution: a 1 is ordinary, a burst is not', () => {
    const random = createSeededRandom(9);
    const values = Array.from({ length: 300 }, () => (random() < 0.8 ? 0 : 1 + Math.floor(3 * random())));
    values[250] = 40;
    const level = new RobustLevel(options);
    const surprises = values.map((value) => level.update(value));
    assert.ok(Math.max(...surprises.slice(20, 250)) < 5, `an ordinary count surprised it by ${Math.max(...surprises.slice(20, 250))}`);
    assert.ok(surprises[250]! > 15, `the burst: ${surprises[250]}`);
  });

  it('says nothing before it has a history, finds the first change of a constant series as unusual as can be, and forgets on reset', () => {
    const level = new RobustLevel(options);
    for (let i = 0; i < 20; i++) assert.equal(level.update(7), 0);
    const first = level.update(8);
    assert.ok(first > 300, `the first change: ${first}`);
    level.reset();
    assert.equal(level.update(1000), 0);
    assert.throws(() => new RobustLevel({ historySize: 128, recentSize: 9, minHistory: 8 }), /out of range/);
  });
});
