import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PredictionError } from '../../../src/core/anomaly/predictionError';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';

const options = { levelWeight: 0.3, errorWeight: 0.1, updateClip: 3, rawCap: 10 };

function noise(count: number, seed: number, level = 100, spread = 1): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, () => level + spread * (random() - 0.5));
}

describe('PredictionError', () => {
  it('scores ordinary noise near 1 and a spike at its cap, in units of the typical error', () => {
    const forecaster = new PredictionError(options);
    const scores = noise(500, 1).map((value) => forecaster.update(value));
    const mean = scores.slice(50).reduce((a, b) => a + b, 0) / 450;
    assert.ok(mean > 0.5 && mean < 1.6, `ordinary raw scores average ${mean}`);
    assert.equal(forecaster.update(1000), 10);
  });

  it('is not dragged by one wild value: the next ordinary value scores as ordinary', () => {
    const forecaster = new PredictionError(options);
    for (const value of noise(300, 2)) forecaster.update(value);
    const before = forecaster.expected;
    forecaster.update(10_000);
    assert.ok(Math.abs(forecaster.expected - before) < 3, `the level moved from ${before} to ${forecaster.expected}`);
    assert.ok(forecaster.update(100) < 3);
  });

  it('follows a level that has moved for good within a few dozen checks', () => {
    const forecaster = new PredictionError(options);
    for (const value of noise(300, 3)) forecaster.update(value);
    const after = noise(60, 4, 110).map((value) => forecaster.update(value));
    assert.ok(after[0]! >= 5, `the shift scored ${after[0]}`);
    assert.ok(
      after.slice(-10).every((score) => score < 3),
      `still ${after
        .slice(-10)
        .map((s) => s.toFixed(1))
        .join(' ')} at the new level`,
    );
  });

  it("uses the data's resolution as a floor, so a constant series does not make the next step infinite", () => {
    const forecaster = new PredictionError(options);
    for (let i = 0; i < 100; i++) forecaster.update(i % 10 === 0 ? 6 : 5);
    for (let i = 0; i < 100; i++) forecaster.update(5);
    const step = forecaster.update(6);
    assert.ok(Number.isFinite(step) && step <= 10);
    assert.ok(forecaster.update(5) < 10);
  });

  it('starts over on reset and refuses options that cannot work', () => {
    const forecaster = new PredictionError(options);
    forecaster.update(5);
    forecaster.reset();
    assert.equal(forecaster.update(1e6), 0);
    assert.equal(forecaster.expected, 1e6);
    assert.throws(() => new PredictionError({ ...options, levelWeight: 0 }), /out of range/);
    assert.throws(() => new PredictionError({ ...options, rawCap: 0 }), /out of range/);
  });
});
