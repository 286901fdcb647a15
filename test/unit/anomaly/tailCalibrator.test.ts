import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TailCalibrator, type TailCalibratorOptions } from '../../../src/core/anomaly/tailCalibrator';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';

const OPTIONS: TailCalibratorOptions = { historySize: 512, tailFraction: 0.08, minExcess: 0.25, minExcessFraction: 0.1, minHistory: 32, delay: 0 };

describe('TailCalibrator', () => {
  it('calls an ordinary value unsurprising and a far one surprising, relative to its own history', () => {
    const random = createSeededRandom(1);
    const quiet = new TailCalibrator(OPTIONS);
    const noisy = new TailCalibrator(OPTIONS);
    for (let i = 0; i < 512; i++) {
      quiet.update(random());
      noisy.update(10 * random());
    }
    assert.equal(quiet.surprise(0.5), 0);
    assert.ok(quiet.surprise(5) > 8, `5 after values in [0, 1) is only ${quiet.surprise(5)}`);
    assert.ok(noisy.surprise(5) === 0, 'the same 5 is ordinary for a channel that often reaches 10');
  });

  it('says nothing until it has a history', () => {
    const calibrator = new TailCalibrator(OPTIONS);
    for (let i = 0; i < 31; i++) assert.equal(calibrator.update(i === 30 ? 1e6 : 1), 0);
  });

  it('does not call the next distinct value of a quantised history a one-in-a-billion event', () => {
    const calibrator = new TailCalibrator(OPTIONS);
    // Run lengths 0, 1, 2, 3 only: the excess above the threshold would otherwise be 0.
    for (let i = 0; i < 512; i++) calibrator.update(i % 25 === 0 ? 3 : i % 4);
    assert.ok(calibrator.surprise(4) < 4, `one more than ever seen scored ${calibrator.surprise(4)}`);
  });

  it('judges a value that keeps growing against the time before it when delayed', () => {
    const immediate = new TailCalibrator(OPTIONS);
    const delayed = new TailCalibrator({ ...OPTIONS, delay: 64 });
    const random = createSeededRandom(2);
    for (let i = 0; i < 600; i++) {
      const ordinary = Math.floor(random() * 3);
      immediate.update(ordinary);
      delayed.update(ordinary);
    }
    // A run that grows by one each check (a stuck sensor): without the delay it raises its own bar.
    let late = { immediate: 0, delayed: 0 };
    for (let run = 1; run <= 60; run++) late = { immediate: immediate.update(run), delayed: delayed.update(run) };
    assert.ok(late.delayed > 8, `a 60-check run scored ${late.delayed} with the delay`);
    assert.ok(late.immediate < late.delayed, 'the delay made no difference');
    delayed.reset();
    assert.equal(delayed.historyLength, 0);
  });
});
