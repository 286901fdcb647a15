import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RobustDeviation } from '../../../src/core/anomaly/robustDeviation';

describe('RobustDeviation', () => {
  it('is silent until it has its minimum history, then gives the robust z against the window before the value', () => {
    const robust = new RobustDeviation({ window: 9, minHistory: 5 });
    for (const value of [10, 11, 9, 12]) assert.equal(robust.update(value), 0);
    robust.update(8);
    // Window 8..12: median 10, absolute deviations 0,1,1,2,2 give a MAD of 1, so a spread of 1.4826.
    assert.ok(Math.abs(robust.update(13) - 3 / 1.4826) < 1e-9);
    assert.ok(robust.update(2) < -3, 'below the median is negative');
  });

  it('keeps seeing the second spike of a burst, which a mean and a standard deviation would hide', () => {
    const robust = new RobustDeviation({ window: 32, minHistory: 8 });
    for (let i = 0; i < 30; i++) robust.update(100 + (i % 3));
    robust.update(1000);
    // Over those 31 values the plain z of a second 1000 is about 5; the robust z is in the hundreds.
    assert.ok(robust.update(1000) > 100);
  });

  it('falls back to the mean absolute deviation when most of the window is equal, and forgets on reset', () => {
    const robust = new RobustDeviation({ window: 10, minHistory: 4 });
    for (let i = 0; i < 10; i++) robust.update(i === 9 ? 2 : 0);
    // MAD is 0; the mean absolute deviation from the median 0 is 0.2, so a 1 is 5 spreads out.
    assert.ok(Math.abs(robust.update(1) - 5) < 1e-9);
    robust.reset();
    assert.equal(robust.update(50), 0);
    assert.throws(() => new RobustDeviation({ window: 2, minHistory: 2 }), /out of range/);
    assert.throws(() => new RobustDeviation({ window: 10, minHistory: 11 }), /out of range/);
  });
});
