import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SurpriseCalibration } from '../../../src/core/anomaly/surpriseCalibration';

describe('SurpriseCalibration', () => {
  it('keeps the claim of a new target, whose history is short', () => {
    const calibration = new SurpriseCalibration({ historySize: 1000, priorWeight: 500 });
    for (let i = 0; i < 10; i++) calibration.update(0.3);
    // p = (0 + 500e-6) / 510: within 0.01 of the claimed 6.
    assert.ok(Math.abs(calibration.update(6) - 6) < 0.01);
  });

  it('believes a long history over the claim when such surprises are common', () => {
    const calibration = new SurpriseCalibration({ historySize: 1000, priorWeight: 500 });
    // One check in fifty reaches 6: a heavy tail the Gaussian does not know of.
    for (let i = 0; i < 1000; i++) calibration.update(i % 50 === 0 ? 6.5 : 0.3);
    const calibrated = calibration.update(6);
    // p = (20 + 500e-6) / 1500, about 0.013.
    assert.ok(Math.abs(calibrated - -Math.log10(20 / 1500)) < 0.01, `calibrated to ${calibrated}`);
  });

  it('never raises a surprise, and leaves 0 at 0', () => {
    const calibration = new SurpriseCalibration({ historySize: 100, priorWeight: 50 });
    for (let i = 0; i < 100; i++) assert.ok(calibration.update(i % 7) <= i % 7);
    assert.equal(calibration.update(0), 0);
  });

  it('forgets on reset and refuses options that cannot work', () => {
    const calibration = new SurpriseCalibration({ historySize: 10, priorWeight: 5 });
    for (let i = 0; i < 10; i++) calibration.update(8);
    assert.ok(calibration.update(8) < 1);
    calibration.reset();
    assert.ok(calibration.update(8) > 7.9);
    assert.throws(() => new SurpriseCalibration({ historySize: 0, priorWeight: 5 }), /out of range/);
    assert.throws(() => new SurpriseCalibration({ historySize: 10, priorWeight: 0 }), /out of range/);
  });
});
