import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AnomalyDetector,
  DEFAULT_ANOMALY_THRESHOLD,
  type AnomalyDetectorSettings,
  type AnomalySample,
} from '../../../src/core/anomaly/anomalyDetector';
import { createSeededRandom, type RandomSource } from '../../../src/core/anomaly/seededRandom';
import type { PhaseTimings } from '../../../src/core/probes/checkResult';
import { phasedChecks } from './phasedChecks';

const START = Date.UTC(2026, 0, 5);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function gaussian(random: RandomSource): number {
  return Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
}

/** Log-normal response times around `level` ms, rounded to 1 ms like a real clock. */
function noisySeries(count: number, seed: number, level = 80, sigma = 0.1): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, () => Math.round(level * Math.exp(sigma * gaussian(random))));
}

function scoreAll(detector: AnomalyDetector, values: readonly (number | null)[], step = MINUTE): number[] {
  return values.map((value, i) => detector.score({ time: START + i * step, value }));
}

function flags(scores: readonly number[], from = 0, to = scores.length): number {
  return scores.slice(from, to).filter((score) => score >= DEFAULT_ANOMALY_THRESHOLD).length;
}

describe('AnomalyDetector', () => {
  it('flags a tenfold spike after a steady history, and rarely the noise before it', () => {
    const values = noisySeries(1500, 1);
    const detector = new AnomalyDetector({ seed: 1 });
    const before = scoreAll(detector, values);
    const spike = detector.score({ time: START + 1500 * MINUTE, value: 800 });
    assert.ok(spike >= DEFAULT_ANOMALY_THRESHOLD, `the spike scored ${spike}`);
    const surprises = detector.lastSurprises();
    assert.ok(Math.max(surprises.level, surprises.rawLevel, surprises.robustLevel) > 2, 'no channel spoke for the spike');
    // Alerts must be rare on plain noise: about one check in a hundred at most. (The default
    // threshold is chosen on real labelled series, where missing an event costs far more than a
    // false alarm; notifications are further limited to one per target every 30 minutes.)
    assert.ok(flags(before, 200) <= 16, `${flags(before, 200)} of 1300 ordinary checks were flagged`);
    assert.ok(before.every((score) => score >= 0 && score <= 1));
  });

  it('stays quiet on a long steady series with heavy-tailed noise', () => {
    const random = createSeededRandom(11);
    // Log-normal noise plus the occasional 1.5x blip (a retransmit): ordinary life for a server.
    const values = Array.from({ length: 6000 }, () => Math.round(120 * Math.exp(0.15 * gaussian(random) + (random() < 0.01 ? 0.4 : 0))));
    const scores = scoreAll(new AnomalyDetector(), values);
    assert.ok(flags(scores) <= 40, `${flags(scores)} of 6000 ordinary checks were flagged`);
  });

  it('scores 0 while it is still choosing the value scale, and learns fast after', () => {
    const detector = new AnomalyDetector({ scaleChecks: 8 });
    const scores = scoreAll(detector, [...noisySeries(7, 2), 5000]);
    assert.deepEqual(scores, new Array(8).fill(0));
    // A monthly series of a few dozen values must be judged within its first years.
    const young = scoreAll(new AnomalyDetector(), [...noisySeries(30, 2), 5000], 30 * DAY);
    assert.ok(young.at(-1)! >= DEFAULT_ANOMALY_THRESHOLD, `a fiftyfold value after 30 checks scored ${young.at(-1)}`);
  });

  it('gives failed checks 0 and never learns from them', () => {
    const values = noisySeries(1200, 3);
    values[900] = 900;
    const clean: AnomalySample[] = values.map((value, i) => ({ time: START + i * MINUTE, value }));
    const mixed: AnomalySample[] = [];
    clean.forEach((sample, i) => {
      mixed.push(sample);
      // Failures between checks, at the same instant, so the valid checks keep their own times.
      if (i % 37 === 0) mixed.push({ time: sample.time, value: null }, { time: sample.time, value: Number.NaN });
    });
    mixed.push({ time: Number.NaN, value: Number.POSITIVE_INFINITY });
    const options: AnomalyDetectorSettings = { recoveryChecks: 0 };
    const reference = new AnomalyDetector(options);
    const expected = clean.map((sample) => reference.score(sample));
    const detector = new AnomalyDetector(options);
    const scored = mixed.map((sample) => detector.score(sample));
    const failed = scored.filter((_, i) => mixed[i]!.value === null || !Number.isFinite(mixed[i]!.value));
    assert.ok(failed.length > 60);
    assert.ok(failed.every((score) => score === 0));
    assert.deepEqual(
      scored.filter((_, i) => mixed[i]!.value !== null && Number.isFinite(mixed[i]!.value)),
      expected,
    );
    assert.ok(expected[900]! >= DEFAULT_ANOMALY_THRESHOLD, 'the spike among the failures was still found');
  });

  it('damps the first checks after an outage, when caches are cold', () => {
    const values: (number | null)[] = [...noisySeries(600, 4), null, 300];
    const damped = scoreAll(new AnomalyDetector(), values).at(-1)!;
    const undamped = scoreAll(new AnomalyDetector({ recoveryChecks: 0 }), values).at(-1)!;
    assert.ok(undamped >= DEFAULT_ANOMALY_THRESHOLD, `slow first check after recovery scored ${undamped} undamped`);
    assert.ok(damped < undamped);
  });

  it('flags a lasting level shift within a few checks, then accepts the new level', () => {
    const values = [...noisySeries(1000, 5, 80), ...noisySeries(1200, 6, 240)];
    const scores = scoreAll(new AnomalyDetector(), values);
    assert.ok(flags(scores, 1000, 1005) >= 1, `the shift peaked at ${Math.max(...scores.slice(1000, 1005))} in its first five checks`);
    assert.ok(flags(scores, 1000, 1100) <= 3, `${flags(scores, 1000, 1100)} alerts for one shift`);
    // After that the new level is ordinary: no more alerts than on plain noise.
    assert.ok(flags(scores, 1100) <= 12, `${flags(scores, 1100)} alerts on the new level after a hundred checks`);
  });

  it('reads the level in its own unit too: a burst the log scale hides among hours with none is flagged', () => {
    const random = createSeededRandom(91);
    // Crashes an hour: about 40, and none at all in one hour out of seven; then 160 at hour 1400.
    // On the log scale the empty hours make the spread so wide that 160 looks ordinary.
    const values = Array.from({ length: 1500 }, () =>
      random() < 0.15 ? 0 : Math.max(1, Math.round(40 * Math.exp(0.3 * gaussian(random)))),
    );
    values[1400] = 160;
    const full = scoreAll(new AnomalyDetector(), values, HOUR);
    const logLevelOnly = scoreAll(new AnomalyDetector({ components: { rawLevel: false, robustLevel: false } }), values, HOUR);
    assert.ok(full[1400]! >= DEFAULT_ANOMALY_THRESHOLD, `the burst scored ${full[1400]}`);
    assert.ok(logLevelOnly[1400]! < DEFAULT_ANOMALY_THRESHOLD, `the log-scale level alone scored it ${logLevelOnly[1400]}`);
    assert.ok(flags(full, 200, 1400) <= 15, `${flags(full, 200, 1400)} alerts on ordinary hours`);
  });

  it('flags each of frequent crash spikes and a plateau that the spikes before it hide from a standard deviation', () => {
    const random = createSeededRandom(33);
    // Crashes an hour around 40; a spike of about 20 times that every two days, then twelve hours at ten times the usual.
    const values = Array.from({ length: 1200 }, (_, i) => (i % 48 === 30 && i > 200 ? 800 + 10 * (i % 7) : 30 + Math.round(20 * random())));
    for (let i = 1000; i < 1012; i++) values[i] = 400 + (i % 5);
    const full = scoreAll(new AnomalyDetector(), values, HOUR);
    const withoutRobust = scoreAll(new AnomalyDetector({ components: { robustLevel: false } }), values, HOUR);
    const spikes = [...Array(1200).keys()].filter((i) => i % 48 === 30 && i > 600 && i < 1000);
    const found = (scores: number[]) => spikes.filter((i) => scores[i]! >= DEFAULT_ANOMALY_THRESHOLD).length;
    assert.equal(found(full), spikes.length, `found ${found(full)} of ${spikes.length} spikes`);
    assert.ok(found(withoutRobust) < spikes.length / 2, `without the robust level it found ${found(withoutRobust)} of ${spikes.length}`);
    assert.ok(flags(full, 1000, 1003) >= 1, 'the plateau was not flagged at its start');
    assert.equal(flags(withoutRobust, 1000, 1012), 0, 'the standard deviation saw the plateau: the test proves nothing');
    const ordinary = [...Array(1000).keys()].filter((i) => i > 200 && Math.abs((i % 48) - 30) > 1);
    assert.ok(ordinary.filter((i) => full[i]! >= DEFAULT_ANOMALY_THRESHOLD).length <= 3, 'alerts on ordinary hours');
  });

  it('flags a slow drift before it has doubled the response time', () => {
    const random = createSeededRandom(21);
    // 200 ms with 5 % noise, then +1 % a check from check 1500: doubled after about 70 checks.
    const values = Array.from({ length: 1800 }, (_, i) =>
      Math.round(200 * Math.exp(0.05 * gaussian(random) + (i < 1500 ? 0 : Math.min(0.7, (i - 1500) * 0.01)))),
    );
    const scores = scoreAll(new AnomalyDetector(), values);
    assert.ok(flags(scores, 0, 1500) <= 20, `${flags(scores, 0, 1500)} alerts before the drift`);
    const first = scores.findIndex((score, i) => i >= 1500 && score >= DEFAULT_ANOMALY_THRESHOLD);
    assert.ok(first >= 1500 && first < 1570, `the drift was first flagged at check ${first}`);
  });

  it('treats a series the same whatever its unit (x1000, x0.001)', () => {
    const random = createSeededRandom(41);
    const values = Array.from(
      { length: 2500 },
      (_, i) => 50 * Math.exp(0.1 * gaussian(random) + (i === 1800 ? 1.5 : 0) + (i >= 2100 ? 0.8 : 0)),
    );
    const base = scoreAll(new AnomalyDetector(), values);
    for (const factor of [1000, 0.001]) {
      const scaled = scoreAll(
        new AnomalyDetector(),
        values.map((value) => value * factor),
      );
      assert.ok(
        scaled.every((score, i) => Math.abs(score - base[i]!) < 1e-6),
        `scores moved when the unit changed by ${factor}`,
      );
    }
    assert.ok(base[1800]! >= DEFAULT_ANOMALY_THRESHOLD && flags(base, 2100, 2110) >= 1);
  });

  it('handles a constant series that moves: one alert, then the new value is accepted', () => {
    for (const constant of [0, 1, 250, -4]) {
      const moved = constant === 0 ? 3 : constant * 2;
      const values = [...new Array<number>(1500).fill(constant), ...new Array<number>(1000).fill(moved)];
      const scores = scoreAll(new AnomalyDetector(), values);
      assert.ok(scores.every((score) => Number.isFinite(score) && score >= 0 && score <= 1));
      assert.equal(flags(scores, 0, 1500), 0, `a constant ${constant} was flagged`);
      assert.ok(scores[1500]! >= DEFAULT_ANOMALY_THRESHOLD, `${constant} -> ${moved} scored ${scores[1500]}`);
      assert.ok(flags(scores, 1500) <= 2, `${flags(scores, 1500)} alerts after ${constant} -> ${moved}`);
    }
  });

  it('reads signed values around zero linearly: a spike is flagged, crossing zero is not', () => {
    const random = createSeededRandom(51);
    let wander = 0;
    const values = Array.from({ length: 3000 }, (_, i) => {
      wander = 0.9 * wander + 0.44 * gaussian(random);
      // A temperature around 0 °C, tenths of a degree, one 9-degree jump at check 2500.
      return Math.round((3 * Math.sin((2 * Math.PI * i) / 300) + wander + (i === 2500 ? 9 : 0)) * 10) / 10;
    });
    const scores = scoreAll(new AnomalyDetector(), values, 10 * MINUTE);
    assert.ok(scores[2500]! >= DEFAULT_ANOMALY_THRESHOLD, `the jump scored ${scores[2500]}`);
    // Strongly autocorrelated, and positive for its first values: about as hard as ordinary data gets.
    assert.ok(flags(scores, 0, 2500) <= 25, `${flags(scores, 0, 2500)} alerts on an ordinary signed series`);
  });

  it('handles sparse counts: zeros and ones are ordinary, a burst is not', () => {
    const random = createSeededRandom(61);
    const poisson = (mean: number) => {
      let count = 0;
      for (let product = random(); product > Math.exp(-mean) && count < 200; product *= random()) count++;
      return count;
    };
    const values = Array.from({ length: 4000 }, (_, i) => poisson(i >= 3500 && i < 3510 ? 8 : 0.2));
    const scores = scoreAll(new AnomalyDetector(), values);
    assert.ok(flags(scores, 0, 3500) <= 30, `${flags(scores, 0, 3500)} alerts on ordinary error counts`);
    assert.ok(flags(scores, 3500, 3510) >= 1, 'the burst of errors was not flagged');
  });

  it('scores checks whose phases never change their mix as by their total alone', () => {
    const values = noisySeries(600, 71);
    const phases: PhaseTimings = { dns: 2, connect: 10, tls: 20, firstByte: 40, transfer: 8 };
    const plain = scoreAll(new AnomalyDetector(), values);
    const detector = new AnomalyDetector();
    const withPhases = values.map((value, i) => detector.score({ time: START + i * MINUTE, value, phases }));
    assert.deepEqual(withPhases, plain);
  });

  it('flags a slow TLS handshake that the total hides, and names the phase', () => {
    const checks = phasedChecks(1600, 1400);
    const detector = new AnomalyDetector();
    const named: string[] = [];
    const scores = checks.map((check) => {
      const score = detector.score(check);
      const unusual = detector.lastUnusualPhase();
      if (score >= DEFAULT_ANOMALY_THRESHOLD && unusual) named.push(unusual.phase);
      return score;
    });
    const totalOnly = scoreAll(
      new AnomalyDetector({ components: { phaseForest: false } }),
      checks.map((check) => check.value),
    );
    assert.ok(flags(scores, 1400, 1420) >= 1, `the TLS slowdown peaked at ${Math.max(...scores.slice(1400, 1420))} in its first 20 checks`);
    assert.equal(flags(totalOnly, 1400, 1420), 0, 'the total alone already showed the slowdown: the test proves nothing');
    assert.ok(named.includes('tls'), `named ${named.join(', ') || 'nothing'}`);
    assert.ok(flags(scores, 200, 1400) <= flags(totalOnly, 200, 1400) + 2, `${flags(scores, 200, 1400)} alerts on ordinary checks`);
  });

  it('flags a resolver that slows while the server speeds up, and names DNS, by the phase shares', () => {
    const random = createSeededRandom(12);
    const checks = Array.from({ length: 500 }, (_, i) => {
      const shift = i >= 400 ? 40 : 0;
      const phases: PhaseTimings = {
        dns: 2 + 3 * random() + shift,
        connect: 10 + 2 * random(),
        tls: 20 + 4 * random(),
        firstByte: 200 + 60 * random() - shift,
        transfer: 3 + random(),
      };
      const value = phases.dns + phases.connect + phases.tls + phases.firstByte + phases.transfer;
      return { time: START + i * MINUTE, value, phases };
    });
    const run = (settings: AnomalyDetectorSettings) => {
      const detector = new AnomalyDetector(settings);
      const named: string[] = [];
      const scores = checks.map((check, i) => {
        const score = detector.score(check);
        if (i >= 400 && score >= DEFAULT_ANOMALY_THRESHOLD) named.push(detector.lastUnusualPhase()?.phase ?? 'none');
        return score;
      });
      return { scores, named };
    };
    const full = run({});
    const forestOnly = run({ components: { phaseShares: false } });
    assert.ok(flags(full.scores, 400, 410) >= 1, `the slow resolver peaked at ${Math.max(...full.scores.slice(400, 410))}`);
    assert.deepEqual([...new Set(full.named)], ['dns']);
    assert.equal(flags(forestOnly.scores, 400, 410), 0, 'the forest alone found it: the shares are not what this tests');
    assert.ok(flags(full.scores, 100, 400) <= 3, `${flags(full.scores, 100, 400)} alerts on ordinary checks`);
  });

  it('repeats its phase forest from a seed, and keeps it within a few tens of KiB', () => {
    const checks = phasedChecks(3000, 2800);
    const first = new AnomalyDetector({ seed: 5 });
    const a = checks.map((check) => first.score(check));
    const again = new AnomalyDetector({ seed: 5 });
    assert.deepEqual(
      checks.map((check) => again.score(check)),
      a,
    );
    first.reset();
    assert.deepEqual(
      checks.map((check) => first.score(check)),
      a,
    );
    assert.ok(first.byteSize < 48 * 1024, `${first.byteSize} bytes for one target with phases`);
  });

  it('repeats itself from a seed, and forgets everything on reset', () => {
    const values = noisySeries(900, 7);
    const settings: AnomalyDetectorSettings = { seed: 42 };
    const first = new AnomalyDetector(settings);
    const a = scoreAll(first, values);
    assert.deepEqual(scoreAll(new AnomalyDetector(settings), values), a);
    first.reset();
    assert.deepEqual(scoreAll(first, values), a);
  });

  it('takes repeated and backward timestamps and gaps of hours without failing', () => {
    const detector = new AnomalyDetector();
    const values = noisySeries(3000, 8);
    let time = START;
    for (let i = 0; i < values.length; i++) {
      if (i % 500 === 0) time += 6 * HOUR;
      else if (i % 97 === 0) time -= 10 * MINUTE;
      else if (i % 13 !== 0) time += MINUTE;
      const score = detector.score({ time, value: values[i]! });
      assert.ok(score >= 0 && score <= 1 && Number.isFinite(score));
    }
  });

  it('keeps its memory bounded however long it runs', () => {
    const detector = new AnomalyDetector();
    const values = noisySeries(12_000, 9);
    scoreAll(detector, values.slice(0, 2000));
    const early = detector.byteSize;
    // Every array is allocated up front (or at the first timestamps, for the cycle), sized by the options.
    let largest = early;
    for (let start = 2000; start < values.length; start += 1000) {
      scoreAll(detector, values.slice(start, start + 1000));
      largest = Math.max(largest, detector.byteSize);
    }
    assert.ok(largest <= early * 1.1, `grew from ${early} to ${largest} bytes`);
    assert.equal(largest, early, `grew from ${early} to ${largest} bytes`);
    assert.ok(largest < 32 * 1024, `${largest} bytes for one target`);
  });

  it('refuses options that cannot work', () => {
    assert.throws(() => new AnomalyDetector({ scaleChecks: 0 }), /out of range/);
    assert.throws(() => new AnomalyDetector({ likelihoodHistory: 1 }), /out of range/);
    assert.throws(() => new AnomalyDetector({ robustAlertSurprise: 0 }), /out of range/);
    assert.throws(() => new AnomalyDetector({ calibrationPrior: 0 }), /out of range/);
  });
});
