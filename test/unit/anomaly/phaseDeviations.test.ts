import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PHASE_COUNT, PhaseDeviationTracker, usablePhases } from '../../../src/core/anomaly/phaseDeviations';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';
import type { PhaseTimings } from '../../../src/core/probes/checkResult';

function checks(count: number, seed: number, dnsExtra: (i: number) => number): PhaseTimings[] {
  const random = createSeededRandom(seed);
  const jitter = (ms: number) => ms * (0.9 + 0.2 * random());
  return Array.from({ length: count }, (_, i) => ({ dns: jitter(2) + dnsExtra(i), connect: jitter(10), tls: jitter(20), firstByte: jitter(300), transfer: jitter(4) }));
}

describe('PhaseDeviationTracker', () => {
  it('shows a slow resolver in its own phase, in a median of three that ignores a single miss', () => {
    const tracker = new PhaseDeviationTracker(64);
    const z = new Float64Array(PHASE_COUNT);
    const persistent = new Float64Array(PHASE_COUNT);
    const series = checks(400, 1, (i) => (i === 200 ? 30 : i >= 300 ? 30 : 0));
    const largest: number[] = [];
    series.forEach((phases, i) => {
      const ready = tracker.update(phases, z, persistent);
      assert.equal(ready, i >= 16 + 8, `ready at check ${i}`);
      largest.push(ready ? persistent[0]! : 0);
    });
    assert.ok(largest[200]! < 3, `one cache miss moved the persistent z to ${largest[200]}`);
    assert.ok(largest[302]! > 10, `a lasting 30 ms on a 2 ms resolver reached only ${largest[302]}`);
    // The server phase, far larger, is untouched by it.
    assert.ok(Math.abs(z[3]!) < 4);
  });

  it('ignores timings a probe cannot produce', () => {
    assert.equal(usablePhases(undefined), false);
    assert.equal(usablePhases({ dns: -1, connect: 1, tls: 1, firstByte: 1, transfer: 1 }), false);
    assert.equal(usablePhases({ dns: 0, connect: 1, tls: 0, firstByte: Number.NaN, transfer: 1 }), false);
    assert.equal(usablePhases({ dns: 0, connect: 1, tls: 0, firstByte: 5, transfer: 1 }), true);
  });
});
