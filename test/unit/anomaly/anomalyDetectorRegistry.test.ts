import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnomalyDetector } from '../../../src/core/anomaly/anomalyDetector';
import { AnomalyDetectorRegistry } from '../../../src/core/anomaly/anomalyDetectorRegistry';
import { seedFromText } from '../../../src/core/anomaly/seededRandom';

const START = Date.UTC(2026, 0, 5);

function series(count: number, offset: number): number[] {
  return Array.from({ length: count }, (_, i) => 50 + ((i * 7 + offset) % 11) + (i === count - 1 ? 500 : 0));
}

describe('AnomalyDetectorRegistry', () => {
  it('keeps one detector per target, seeded from its id', () => {
    const registry = new AnomalyDetectorRegistry();
    const a = series(300, 1);
    const b = series(300, 4);
    const expectedA = new AnomalyDetector({ seed: seedFromText('api') });
    const expectedB = new AnomalyDetector({ seed: seedFromText('db') });
    for (let i = 0; i < a.length; i++) {
      // Interleaved like the scheduler: each target's scores must not depend on the other's checks.
      const time = START + i * 60_000;
      assert.equal(registry.score('api', { time, value: a[i]! }), expectedA.score({ time, value: a[i]! }));
      assert.equal(registry.score('db', { time, value: b[i]! }), expectedB.score({ time, value: b[i]! }));
    }
    assert.equal(registry.size, 2);
  });

  it('drops the detector scored least recently when it is full', () => {
    const registry = new AnomalyDetectorRegistry({ maxDetectors: 2 });
    registry.score('a', { time: START, value: 1 });
    registry.score('b', { time: START, value: 1 });
    registry.score('a', { time: START + 1, value: 1 });
    registry.score('c', { time: START + 2, value: 1 });
    assert.equal(registry.size, 2);
    assert.ok(registry.has('a') && registry.has('c') && !registry.has('b'));
  });

  it('forgets removed targets and empties on dispose', () => {
    const registry = new AnomalyDetectorRegistry();
    for (const id of ['a', 'b', 'c']) registry.score(id, { time: START, value: 10 });
    registry.forget('a');
    registry.retain(['b']);
    assert.deepEqual(
      ['a', 'b', 'c'].map((id) => registry.has(id)),
      [false, true, false],
    );
    registry.dispose();
    assert.equal(registry.size, 0);
    assert.throws(() => new AnomalyDetectorRegistry({ maxDetectors: 0 }), /maxDetectors/);
  });
});
