/**
 * The labelled evaluation set: synthetic response-time series generated from a fixed seed, so it
 * is never stored and always the same. Each series has a realistic body (log-normal noise with
 * correlated wander, heavy-tailed unlabelled blips, quantised clocks, a daily rhythm on some, a
 * nightly job on some, outages as runs of failed checks) and one to three labelled anomalies:
 * spikes, level shifts, slow periods, variance changes and slow drifts. Labels are time windows in
 * the spirit of NAB: a window opens when the anomaly starts and spans a tenth of the series divided
 * by the number of anomalies.
 */
import type { PhaseTimings } from '../../src/core/probes/checkResult';
import { createSeededRandom, type RandomSource } from '../../src/core/anomaly/seededRandom';

export type AnomalyKind =
  | 'spike'
  | 'levelShift'
  | 'slowPeriod'
  | 'varianceChange'
  | 'drift'
  /** A rate falls far below its usual level for a while (an outage upstream). */
  | 'drop'
  /** A burst of counts in a series that is mostly zero. */
  | 'burst'
  /** A sensor repeats its last reading. */
  | 'flatline'
  /** The daily dip does not come: a value normal at the peak, at night. */
  | 'missedDip'
  /** The peak falls to the night's level. */
  | 'dayDrop'
  /** One phase of the check slows while the total stays within its usual noise. */
  | 'dnsSlow'
  | 'connectSlow'
  | 'tlsSlow'
  | 'firstByteSlow'
  | 'transferSlow'
  /** Real-world labels: an event with a documented start and end, or a sudden one (a law, a crash, a storm). */
  | 'documented'
  | 'sudden'
  /** Cloud Monitoring: a run of rows the service's own experts labelled, widened by the README's windowing rule. */
  | 'expert';

export interface LabelWindow {
  kind: AnomalyKind;
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, inclusive. */
  end: number;
}

export interface LabelledSeries {
  name: string;
  /** Odd seeds are held out, even seeds tune. */
  seed: number;
  times: number[];
  /** Milliseconds (or the series' own unit); null for a failed check. */
  values: (number | null)[];
  /** Phase timings of each check, for the series that have them. */
  phases?: (PhaseTimings | undefined)[];
  windows: LabelWindow[];
  /** Checks at the start during which detections are not counted (NAB's probationary period). */
  probation: number;
}

const KINDS: AnomalyKind[] = ['spike', 'levelShift', 'slowPeriod', 'varianceChange', 'drift'];
const DAY_MS = 86_400_000;

function gaussian(random: RandomSource): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function between(random: RandomSource, low: number, high: number): number {
  return low + (high - low) * random();
}

function pick<T>(random: RandomSource, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

interface PlannedAnomaly {
  kind: AnomalyKind;
  at: number;
  /** Checks the anomaly lasts (Infinity for a level shift that stays). */
  duration: number;
  magnitude: number;
}

/** One series; `seed` decides everything about it. */
export function generateSeries(seed: number): LabelledSeries {
  const random = createSeededRandom(seed * 7919 + 17);
  const length = Math.floor(between(random, 2500, 5000));
  const intervalMs = pick(random, [30_000, 60_000, 60_000, 300_000]);
  const start = Date.UTC(2026, 0, 5) + Math.floor(random() * 24) * 3_600_000;
  const level = Math.log(pick(random, [3, 12, 40, 90, 250, 700]) * between(random, 0.8, 1.25));
  const sigma = between(random, 0.04, 0.3);
  const wander = between(random, 0, 0.85);
  const blipRate = between(random, 0.002, 0.015);
  const drawnQuantum = pick(random, [1, 1, 1, 10, 0.1]);
  // A 10 ms clock on a 3 ms target would flatten the series to one value.
  const quantum = drawnQuantum * 5 > Math.exp(level) ? 1 : drawnQuantum;
  const dailyAmplitude = random() < 0.5 ? between(random, 0.1, 0.5) : 0;
  const dailyPhase = random() * 2 * Math.PI;
  const nightlyJob =
    random() < 0.25 ? { hour: Math.floor(random() * 24), minutes: between(random, 10, 40), factor: between(random, 0.3, 0.8) } : null;
  const outages = Math.floor(random() * 5);

  const probation = Math.floor(length * 0.15);
  const count = 1 + Math.floor(random() * 3);
  const windowChecks = Math.floor((length * 0.1) / count);
  const planned: PlannedAnomaly[] = [];
  const slot = Math.floor((length - probation) / count);
  for (let i = 0; i < count; i++) {
    const kind = pick(random, KINDS);
    const at = probation + i * slot + Math.floor(between(random, 0.1, 0.6) * slot);
    const magnitude =
      kind === 'spike'
        ? between(random, 1.6, 3.2)
        : kind === 'levelShift'
          ? (random() < 0.8 ? 1 : -1) * between(random, 0.5, 1.2)
          : kind === 'slowPeriod'
            ? between(random, 0.6, 1.6)
            : kind === 'varianceChange'
              ? between(random, 3, 6)
              : between(random, 0.7, 1.4);
    const duration =
      kind === 'spike'
        ? 1 + Math.floor(random() * 3)
        : kind === 'levelShift'
          ? Infinity
          : kind === 'slowPeriod'
            ? Math.floor(between(random, 10, 60))
            : kind === 'varianceChange'
              ? Math.floor(between(random, 100, 400))
              : Math.floor(between(random, 200, 600));
    planned.push({ kind, at, duration, magnitude });
  }

  const times: number[] = [];
  const values: (number | null)[] = [];
  let ar = 0;
  let down = 0;
  let coldStart = 0;
  const outageStarts = new Set(Array.from({ length: outages }, () => Math.floor(between(random, 0.05, 0.98) * length)));
  for (let i = 0; i < length; i++) {
    const time = start + i * intervalMs + Math.floor(gaussian(random) * 200);
    times.push(time);
    if (outageStarts.has(i)) down = 1 + Math.floor(random() ** 2 * 40);
    if (down > 0) {
      down--;
      values.push(null);
      if (down === 0) coldStart = 1 + Math.floor(random() * 3);
      continue;
    }
    if (random() < 0.001) {
      // A lone failed check: a dropped packet past the timeout.
      values.push(null);
      continue;
    }
    let logValue = level;
    const dayFraction = (time % DAY_MS) / DAY_MS;
    logValue += dailyAmplitude * Math.sin(2 * Math.PI * dayFraction + dailyPhase);
    if (nightlyJob) {
      const minuteOfDay = dayFraction * 1440;
      if (minuteOfDay >= nightlyJob.hour * 60 && minuteOfDay < nightlyJob.hour * 60 + nightlyJob.minutes) logValue += nightlyJob.factor;
    }
    let noiseScale = sigma;
    for (const anomaly of planned) {
      const age = i - anomaly.at;
      if (age < 0) continue;
      switch (anomaly.kind) {
        case 'spike':
          if (age < anomaly.duration) logValue += anomaly.magnitude;
          break;
        case 'levelShift':
          logValue += anomaly.magnitude;
          break;
        case 'slowPeriod':
          if (age < anomaly.duration) logValue += anomaly.magnitude;
          break;
        case 'varianceChange':
          if (age < anomaly.duration) noiseScale *= anomaly.magnitude;
          break;
        case 'drift':
          logValue += anomaly.magnitude * Math.min(1, age / anomaly.duration);
          break;
      }
    }
    ar = wander * ar + Math.sqrt(1 - wander * wander) * gaussian(random);
    logValue += noiseScale * ar;
    if (random() < blipRate) logValue += between(random, 0.3, 1.1); // retransmits, GC pauses: normal life
    if (coldStart > 0) {
      coldStart--;
      logValue += between(random, 0.2, 0.8);
    }
    const ms = Math.exp(logValue);
    values.push(Math.max(quantum, Math.round(ms / quantum) * quantum));
  }

  const windows = planned.map((anomaly): LabelWindow => {
    const endIndex = Math.min(length - 1, anomaly.at + windowChecks - 1);
    return { kind: anomaly.kind, start: times[anomaly.at]!, end: times[endIndex]! };
  });
  return { name: `series-${seed}`, seed, times, values, windows, probation };
}

/** The whole set: `count` series from consecutive seeds. Even seeds are for tuning, odd ones are held out. */
export function generateEvaluationSet(count: number, firstSeed = 1): LabelledSeries[] {
  return Array.from({ length: count }, (_, i) => generateSeries(firstSeed + i));
}
