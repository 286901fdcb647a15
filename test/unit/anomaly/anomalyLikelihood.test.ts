import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnomalyLikelihood, upperTailSurprise } from '../../../src/core/anomaly/anomalyLikelihood';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';

describe('upperTailSurprise', () => {
  it('is -log10 of the upper normal tail, and 0 at or below the mean', () => {
    // P(Z > 1.6449) = 0.05, P(Z > 3.0902) = 0.001, P(Z > 8.2095) = 1.1e-16.
    assert.ok(Math.abs(upperTailSurprise(1.6449) - -Math.log10(0.05)) < 1e-3);
    assert.ok(Math.abs(upperTailSurprise(3.0902) - 3) < 1e-3);
    assert.ok(Math.abs(upperTailSurprise(8.2095) - -Math.log10(1.1e-16)) < 0.02);
    assert.equal(upperTailSurprise(0), 0);
    assert.equal(upperTailSurprise(-2), 0);
    assert.ok(Number.isFinite(upperTailSurprise(60)) && upperTailSurprise(60) > 700, 'large z must not underflow to infinity or 0');
  });
});

describe('AnomalyLikelihood', () => {
  const options = { historySize: 200, shortSize: 5, minHistory: 20, minDeviation: 0.05 };

  it('says nothing until its history is long enough', () => {
    const likelihood = new AnomalyLikelihood(options);
    for (let i = 0; i < 20; i++) assert.equal(likelihood.update(i === 19 ? 100 : 1), 0);
  });

  it('lets one bad prediction among good ones count for little, and a run of them for much', () => {
    const make = () => {
      const likelihood = new AnomalyLikelihood(options);
      const random = createSeededRandom(3);
      for (let i = 0; i < 300; i++) likelihood.update(1 + 0.3 * (random() - 0.5));
      return likelihood;
    };
    const blip = make();
    const isolated = blip.update(1.5);
    const run = make();
    let sustained = 0;
    for (let i = 0; i < 5; i++) sustained = run.update(1.5);
    assert.ok(isolated < 3, `one bad prediction scored ${isolated}`);
    assert.ok(sustained > 4, `five in a row scored ${sustained}`);
  });

  it('is two-sided when asked, for inputs that may fall as well as rise', () => {
    const oneSided = new AnomalyLikelihood({ ...options, shortSize: 1 });
    const twoSided = new AnomalyLikelihood({ ...options, shortSize: 1, twoSided: true });
    const random = createSeededRandom(5);
    for (let i = 0; i < 100; i++) {
      const value = 10 + random();
      oneSided.update(value);
      twoSided.update(value);
    }
    assert.equal(oneSided.update(0), 0);
    assert.ok(twoSided.update(0) > 5);
  });

  it('keeps a floor under the deviation, so a flat history does not make a wobble rare', () => {
    const likelihood = new AnomalyLikelihood({ ...options, shortSize: 1 });
    for (let i = 0; i < 100; i++) likelihood.update(1);
    // z = 0.05 / 0.05 = 1: about one in six, not one in a billion.
    assert.ok(Math.abs(likelihood.update(1.05) - -Math.log10(0.1587)) < 0.01);
  });

  it('forgets raw scores older than its history, and starts over on reset', () => {
    const likelihood = new AnomalyLikelihood({ ...options, shortSize: 1 });
    for (let i = 0; i < 200; i++) likelihood.update(50);
    for (let i = 0; i < 200; i++) likelihood.update(1 + (i % 2) * 0.2);
    assert.ok(likelihood.update(2) > 3, 'the old 50s still widened the history');
    likelihood.reset();
    assert.equal(likelihood.update(100), 0);
  });

  it('refuses options that cannot work', () => {
    assert.throws(() => new AnomalyLikelihood({ ...options, shortSize: 0 }), /out of range/);
    assert.throws(() => new AnomalyLikelihood({ ...options, minDeviation: 0 }), /out of range/);
    assert.throws(() => new AnomalyLikelihood({ ...options, shortSize: 300 }), /out of range/);
  });
});
