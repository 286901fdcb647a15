import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextSlotAt, phaseOffsetMs } from '../../../src/core/scheduler/stagger';

describe('stagger', () => {
  it('gives each id the same phase every time, inside the interval', () => {
    for (const id of ['a', 'api', 'db-5432', 'x'.repeat(64)]) {
      const phase = phaseOffsetMs(id, 10_000);
      assert.equal(phaseOffsetMs(id, 10_000), phase);
      assert.ok(phase >= 0 && phase < 10_000, `${id}: ${phase}`);
    }
  });

  it('spreads 1,000 targets evenly over the interval', () => {
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 1000; i++) {
      const phase = phaseOffsetMs(`target-${i}`, 10_000);
      buckets[Math.floor(phase / 1000)]!++;
    }
    // 100 expected per second of the interval; a hash that clumps would leave some near 0.
    for (const count of buckets) assert.ok(count >= 70 && count <= 130, `bucket counts ${buckets.join(', ')}`);
  });

  it('finds the next slot of the grid, after or at a time', () => {
    assert.equal(nextSlotAt(0, 1000, 250), 250);
    assert.equal(nextSlotAt(250, 1000, 250), 1250);
    assert.equal(nextSlotAt(250, 1000, 250, true), 250);
    assert.equal(nextSlotAt(251, 1000, 250, true), 1250);
    assert.equal(nextSlotAt(1_700_000_000_123, 60_000, 7_000), 1_700_000_047_000);
    assert.equal(nextSlotAt(-5, 1000, 0), 0);
  });
});
