import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnomalyDetector, DEFAULT_ANOMALY_THRESHOLD, type AnomalySample } from '../../../src/core/anomaly/anomalyDetector';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';

const START = Date.UTC(2026, 0, 5);
const MINUTE = 60_000;

/** Log-normal response times around `level` ms, rounded to 1 ms like a real clock. */
function noisySeries(count: number, seed: number, level = 80, sigma = 0.1): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, () => {
    const gaussian = Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
    return Math.round(level * Math.exp(sigma * gaussian));
  });
}

function scoreAll(detector: AnomalyDetector, values: readonly (number | null)[], start = START): number[] {
  return values.map((value, i) => detector.score({ time: start + i * MINUTE, value }));
}

describe('AnomalyDetector', () => {
  it('scores a tenfold spike above the threshold and ordinary noise below it', () => {
    const values = noisySeries(1500, 1);
    const detector = new AnomalyDetector({ seed: 1 });
    const before = scoreAll(detector, values);
    const spike = detector.score({ time: START + 1500 * MINUTE, value: 800 });
    assert.ok(spike >= DEFAULT_ANOMALY_THRESHOLD, `the spike scored ${spike}`);
    const flagged = before.slice(200).filter((score) => score >= DEFAULT_ANOMALY_THRESHOLD).length;
    // Alerts must be rare on plain noise: well under one check in a hundred.
    assert.ok(flagged <= 5, `${flagged} of 1300 ordinary checks were flagged`);
    assert.ok(before.every((score) => score >= 0 && score <= 1));
  });

  it('scores 0 while it is still learning the target', () => {
    const detector = new AnomalyDetector({ warmupChecks: 50 });
    const scores = scoreAll(detector, [...noisySeries(49, 2), 5000]);
    assert.deepEqual(scores, new Array(50).fill(0));
  });

  it('gives failed checks 0 and never learns from them', () => {
    const values = noisySeries(800, 3);
    const withFailures: (number | null)[] = [];
    values.forEach((value, i) => {
      withFailures.push(value);
      if (i % 37 === 0) withFailures.push(null, null);
    });
    withFailures.push(Number.NaN, Number.POSITIVE_INFINITY);
    const clean = scoreAll(new AnomalyDetector({ recoveryChecks: 0 }), values);
    const mixed = scoreAll(new AnomalyDetector({ recoveryChecks: 0 }), withFailures);
    const failedScores = mixed.filter((_, i) => withFailures[i] === null || !Number.isFinite(withFailures[i]));
    assert.ok(failedScores.length > 40);
    assert.ok(failedScores.every((score) => score === 0));
    // The valid checks score exactly as if the failures had never happened (time stamps differ,
    // so time of day is off here).
    const cleanNoClock = scoreAll(new AnomalyDetector({ recoveryChecks: 0, timeOfDay: false }), values);
    const mixedNoClock = scoreAll(new AnomalyDetector({ recoveryChecks: 0, timeOfDay: false }), withFailures);
    assert.deepEqual(mixedNoClock.filter((_, i) => withFailures[i] !== null && Number.isFinite(withFailures[i])), cleanNoClock);
    assert.equal(clean.length, values.length);
  });

  it('damps the first checks after an outage, when caches are cold', () => {
    const values: (number | null)[] = [...noisySeries(600, 4), null, 300];
    const damped = scoreAll(new AnomalyDetector({ timeOfDay: false }), values).at(-1)!;
    const undamped = scoreAll(new AnomalyDetector({ timeOfDay: false, recoveryChecks: 0 }), values).at(-1)!;
    assert.ok(undamped >= DEFAULT_ANOMALY_THRESHOLD, `slow first check after recovery scored ${undamped} undamped`);
    assert.ok(damped < undamped);
  });

  it('alerts once at a lasting level shift, then accepts the new level', () => {
    const values = [...noisySeries(1000, 5, 80), ...noisySeries(1200, 6, 240)];
    const scores = scoreAll(new AnomalyDetector(), values);
    const early = scores.slice(1000, 1010);
    assert.ok(Math.max(...early) >= DEFAULT_ANOMALY_THRESHOLD, `the shift peaked at ${Math.max(...early)}`);
    const later = scores.slice(1300).filter((score) => score >= DEFAULT_ANOMALY_THRESHOLD).length;
    assert.ok(later <= 3, `${later} alerts at the new level after it settled`);
  });

  it('repeats itself from a seed and forgets everything on reset', () => {
    const values = noisySeries(700, 7);
    const first = new AnomalyDetector({ seed: 42 });
    const a = scoreAll(first, values);
    const b = scoreAll(new AnomalyDetector({ seed: 42 }), values);
    assert.deepEqual(a, b);
    first.reset();
    assert.deepEqual(scoreAll(first, values).slice(0, 100), scoreAll(new AnomalyDetector({ seed: 42 }), values).slice(0, 100));
  });

  it('takes repeated and backward timestamps without failing', () => {
    const detector = new AnomalyDetector();
    const values = noisySeries(400, 8);
    const samples: AnomalySample[] = values.map((value, i) => ({ time: START + (i % 50 === 0 ? -3_600_000 : 0) + Math.floor(i / 2) * MINUTE, value }));
    for (const sample of samples) {
      const score = detector.score(sample);
      assert.ok(score >= 0 && score <= 1 && Number.isFinite(score));
    }
  });

  it('accepts phase timings and negative or zero values', () => {
    const detector = new AnomalyDetector();
    for (let i = 0; i < 300; i++) {
      const score = detector.score({ time: START + i * MINUTE, value: (i % 7) - 3, phases: { dns: 0, connect: 1, tls: 2, firstByte: 3, transfer: 1 } });
      assert.ok(Number.isFinite(score));
    }
  });

  it('refuses options that cannot work', () => {
    assert.throws(() => new AnomalyDetector({ treeCount: 0 }), /out of range/);
  });
});
