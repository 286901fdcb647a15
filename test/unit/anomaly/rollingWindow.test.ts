import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RollingWindow } from '../../../src/core/anomaly/rollingWindow';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

describe('RollingWindow', () => {
  it('matches a brute-force median, MAD and quantile while values slide out', () => {
    const random = createSeededRandom(3);
    const window = new RollingWindow(17);
    const kept: number[] = [];
    for (let i = 0; i < 400; i++) {
      // Repeated values on purpose: quantised response times repeat a lot.
      const value = Math.round(random() * 20) / 2;
      window.push(value);
      kept.push(value);
      if (kept.length > 17) kept.shift();
      const center = median(kept);
      assert.equal(window.size, kept.length);
      assert.equal(window.median(), center);
      assert.equal(window.mad(center), median(kept.map((v) => Math.abs(v - center))));
      const sorted = [...kept].sort((a, b) => a - b);
      assert.equal(window.quantile(1), sorted[sorted.length - 1]);
      assert.equal(window.quantile(0), sorted[0]);
      assert.equal(window.recent(0), value);
    }
  });

  it('gives the mean excess above a threshold and the mean step between neighbours', () => {
    const window = new RollingWindow(5);
    for (const value of [1, 4, 2, 8, 5]) window.push(value);
    assert.equal(window.meanAbove(3), (1 + 5 + 2) / 3);
    assert.equal(window.meanAbove(8), 0);
    assert.equal(window.meanAbsoluteStep(), (3 + 2 + 6 + 3) / 4);
  });

  it('keeps single-precision values consistent between its ring and its sorted copy', () => {
    const random = createSeededRandom(9);
    const window = new RollingWindow(33, 'single');
    const kept: number[] = [];
    for (let i = 0; i < 500; i++) {
      const value = random() * 1e-3 + 1;
      window.push(value);
      kept.push(Math.fround(value));
      if (kept.length > 33) kept.shift();
      assert.equal(window.median(), median(kept));
      assert.equal(window.quantile(1), Math.max(...kept));
    }
    assert.equal(window.byteSize, 2 * 33 * 4, 'two single-precision arrays and no MAD scratch');
  });

  it('forgets everything on clear and refuses a capacity below 1', () => {
    const window = new RollingWindow(4);
    window.push(1);
    window.clear();
    assert.equal(window.size, 0);
    assert.ok(Number.isNaN(window.median()));
    assert.throws(() => new RollingWindow(0), /capacity/);
  });
});
