import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forestPercentileScores, rollingZScores } from '../../../bench/anomaly/baselines';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';

function noise(count: number, seed: number): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, () => 100 + 10 * (random() - 0.5));
}

describe('the bench baselines', () => {
  it('rolling z-score: a spike scores far above the noise, failed checks and the first values score 0', () => {
    const values: (number | null)[] = [...noise(150, 1), null, 200];
    const scores = rollingZScores(values);
    assert.ok(scores.slice(0, 10).every((score) => score === 0));
    assert.equal(scores[150], 0);
    assert.ok(scores[151]! > 20, `the spike scored ${scores[151]}`);
    assert.ok(Math.max(...scores.slice(10, 150)) < 3);
  });

  it('isolation forest percentile rank: an outlier ranks above every recent check, in [0, 1]', () => {
    const values: (number | null)[] = [...noise(300, 2), null, 400];
    const scores = forestPercentileScores(values);
    assert.ok(scores.every((score) => score >= 0 && score <= 1));
    assert.equal(scores[300], 0);
    assert.equal(scores[301], 1);
    const ordinary = scores.slice(50, 300);
    assert.ok(ordinary.filter((score) => score >= 0.99).length < 25, 'ordinary checks should rarely rank at the very top');
  });

  it('isolation forest percentile rank repeats itself for a seed', () => {
    const values = noise(200, 3);
    assert.deepEqual(forestPercentileScores(values, 7), forestPercentileScores(values, 7));
  });
});
