/**
 * Labelled series that are not response times, for the shapes real monitoring data takes: request
 * counts with a daily and weekly rhythm, CPU percentages, sparse error counts, signed temperatures,
 * byte rates in the tens of thousands, constant values that move once, small quantised levels,
 * irregular sampling with gaps and clocks that repeat or step back, and values normal for one hour
 * but not for another. Every series comes from a fixed seed; labels are windows as in
 * evaluationSet.ts (open at the onset, a tenth of the series divided by the number of anomalies).
 */
import { createSeededRandom, type RandomSource } from '../../src/core/anomaly/seededRandom';
import type { AnomalyKind, LabelledSeries, LabelWindow } from './evaluationSet';

export const GENERIC_FAMILIES = [
  'traffic',
  'cpuPercent',
  'sparseCounts',
  'temperature',
  'byteRate',
  'constant',
  'queueDepth',
  'irregular',
  'loadAverage',
  'seasonal',
] as const;

export type GenericFamily = (typeof GENERIC_FAMILIES)[number];

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export function gaussian(random: RandomSource): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function between(random: RandomSource, low: number, high: number): number {
  return low + (high - low) * random();
}

export function pick<T>(random: RandomSource, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Poisson draw; a normal approximation above 40 keeps it cheap. */
function poisson(random: RandomSource, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(random)));
  const limit = Math.exp(-mean);
  let product = random();
  let count = 0;
  while (product > limit && count < 1000) {
    product *= random();
    count++;
  }
  return count;
}

/** Daily wave in [-1, 1] peaking at `peakHour` UTC, with a sharper evening peak than a sine. */
function dailyWave(time: number, peakHour: number): number {
  const phase = (2 * Math.PI * ((time - peakHour * HOUR_MS) % DAY_MS)) / DAY_MS;
  return 0.75 * Math.cos(phase) + 0.25 * Math.cos(2 * phase);
}

/** Saturday or Sunday (UTC). */
function isWeekend(time: number): boolean {
  const day = new Date(time).getUTCDay();
  return day === 0 || day === 6;
}

export interface PlannedEvent {
  kind: AnomalyKind;
  at: number;
  duration: number;
  magnitude: number;
}

/** Spreads `kinds` over the series after probation, one slot each, at a random point of the slot's first half. */
function plan(
  random: RandomSource,
  length: number,
  probation: number,
  kinds: readonly AnomalyKind[],
  describe: (kind: AnomalyKind) => { duration: number; magnitude: number },
): PlannedEvent[] {
  const count = 1 + Math.floor(random() * Math.min(3, kinds.length));
  const slot = Math.floor((length - probation) / count);
  const events: PlannedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const kind = pick(random, kinds);
    events.push({ kind, at: probation + i * slot + Math.floor(between(random, 0.1, 0.55) * slot), ...describe(kind) });
  }
  return events;
}

/** The event active at check i, with its age; a persistent event (duration Infinity) stays active. */
function active(events: readonly PlannedEvent[], i: number, kind: AnomalyKind): { age: number; event: PlannedEvent } | undefined {
  for (const event of events) {
    if (event.kind !== kind) continue;
    const age = i - event.at;
    if (age >= 0 && age < event.duration) return { age, event };
  }
  return undefined;
}

function regularTimes(random: RandomSource, length: number, intervalMs: number): number[] {
  const start = Date.UTC(2026, 0, 5) + Math.floor(random() * 24) * HOUR_MS;
  return Array.from({ length }, (_, i) => start + i * intervalMs + Math.floor(gaussian(random) * Math.min(2000, intervalMs / 50)));
}

function quantise(value: number, quantum: number): number {
  return Math.round(value / quantum) * quantum;
}

interface Body {
  times: number[];
  values: (number | null)[];
  events: PlannedEvent[];
}

function traffic(random: RandomSource): Body {
  const length = Math.floor(between(random, 3000, 4500));
  const times = regularTimes(random, length, 300_000);
  const base = pick(random, [60, 400, 3000, 20_000]) * between(random, 0.8, 1.25);
  const amplitude = between(random, 0.5, 1.1);
  const peakHour = between(random, 12, 21);
  const weekend = random() < 0.6 ? between(random, 0.45, 0.8) : 1;
  const events = plan(random, length, Math.floor(length * 0.15), ['drop', 'spike', 'levelShift'], (kind) =>
    kind === 'drop'
      ? { duration: Math.floor(between(random, 6, 36)), magnitude: between(random, 0.03, 0.3) }
      : kind === 'spike'
        ? { duration: 1 + Math.floor(random() * 3), magnitude: between(random, 2.5, 5) }
        : { duration: Infinity, magnitude: pick(random, [between(random, 0.4, 0.6), between(random, 1.7, 2.5)]) },
  );
  let ar = 0;
  const values = times.map((time, i) => {
    ar = 0.8 * ar + 0.6 * gaussian(random);
    let mean = base * Math.exp(amplitude * dailyWave(time, peakHour) + 0.08 * ar) * (isWeekend(time) ? weekend : 1);
    for (const kind of ['drop', 'spike', 'levelShift'] as const) {
      const hit = active(events, i, kind);
      if (hit) mean *= hit.event.magnitude;
    }
    return poisson(random, mean);
  });
  return { times, values, events };
}

function cpuPercent(random: RandomSource): Body {
  const length = Math.floor(between(random, 2500, 4500));
  const times = regularTimes(random, length, pick(random, [60_000, 300_000]));
  const base = between(random, 4, 40);
  const sigma = between(random, 0.08, 0.3);
  const wander = between(random, 0.3, 0.9);
  const amplitude = random() < 0.5 ? between(random, 0.2, 0.5) : 0;
  const peakHour = between(random, 9, 18);
  const quantum = pick(random, [1, 0.1, 0.01]);
  const events = plan(random, length, Math.floor(length * 0.15), ['levelShift', 'spike', 'varianceChange'], (kind) =>
    kind === 'levelShift'
      ? { duration: Infinity, magnitude: between(random, 2, 4) }
      : kind === 'spike'
        ? { duration: 1 + Math.floor(random() * 3), magnitude: between(random, 80, 100) }
        : { duration: Math.floor(between(random, 100, 300)), magnitude: between(random, 3, 5) },
  );
  let ar = 0;
  const values = times.map((time, i) => {
    ar = wander * ar + Math.sqrt(1 - wander * wander) * gaussian(random);
    const noise = active(events, i, 'varianceChange')?.event.magnitude ?? 1;
    let value = base * Math.exp(amplitude * dailyWave(time, peakHour) + sigma * noise * ar);
    value *= active(events, i, 'levelShift')?.event.magnitude ?? 1;
    const spike = active(events, i, 'spike');
    if (spike) value = spike.event.magnitude;
    return quantise(Math.min(100, Math.max(0, value)), quantum);
  });
  return { times, values, events };
}

function sparseCounts(random: RandomSource): Body {
  const length = Math.floor(between(random, 3000, 5000));
  const times = regularTimes(random, length, 60_000);
  const rate = between(random, 0.05, 0.8);
  const amplitude = random() < 0.5 ? between(random, 0.3, 0.8) : 0;
  const events = plan(random, length, Math.floor(length * 0.15), ['burst', 'levelShift'], (kind) =>
    kind === 'burst'
      ? { duration: Math.floor(between(random, 5, 30)), magnitude: between(random, 15, 40) }
      : { duration: Infinity, magnitude: between(random, 5, 10) },
  );
  const values = times.map((time, i) => {
    let mean = rate * Math.exp(amplitude * dailyWave(time, 14));
    mean *= active(events, i, 'burst')?.event.magnitude ?? 1;
    mean *= active(events, i, 'levelShift')?.event.magnitude ?? 1;
    return poisson(random, mean);
  });
  return { times, values, events };
}

function temperature(random: RandomSource): Body {
  const length = Math.floor(between(random, 2500, 4000));
  const times = regularTimes(random, length, 600_000);
  const mean = between(random, -8, 15);
  const amplitude = between(random, 2, 7);
  const sigma = between(random, 0.3, 1);
  const events = plan(random, length, Math.floor(length * 0.15), ['drift', 'spike', 'flatline'], (kind) =>
    kind === 'drift'
      ? { duration: Math.floor(between(random, 150, 400)), magnitude: pick(random, [-1, 1]) * between(random, 4, 8) }
      : kind === 'spike'
        ? { duration: 1 + Math.floor(random() * 2), magnitude: pick(random, [-1, 1]) * between(random, 8, 14) }
        : { duration: Math.floor(between(random, 40, 150)), magnitude: 0 },
  );
  let ar = 0;
  let last = mean;
  const values = times.map((time, i) => {
    ar = 0.9 * ar + Math.sqrt(1 - 0.81) * gaussian(random);
    let value = mean + amplitude * dailyWave(time, 15) + sigma * ar;
    for (const event of events) {
      if (event.kind === 'drift' && i >= event.at) value += event.magnitude * Math.min(1, (i - event.at) / event.duration);
    }
    const spike = active(events, i, 'spike');
    if (spike) value += spike.event.magnitude;
    // A stuck sensor repeats its last reading.
    if (active(events, i, 'flatline')) return last;
    last = quantise(value, 0.1);
    return last;
  });
  return { times, values, events };
}

function byteRate(random: RandomSource): Body {
  const length = Math.floor(between(random, 2500, 4500));
  const times = regularTimes(random, length, 60_000);
  const base = between(random, 2e4, 1.2e5);
  const sigma = between(random, 0.1, 0.35);
  const wander = between(random, 0.2, 0.8);
  const events = plan(random, length, Math.floor(length * 0.15), ['levelShift', 'spike', 'drop'], (kind) =>
    kind === 'levelShift'
      ? { duration: Infinity, magnitude: pick(random, [0.1, between(random, 6, 12)]) }
      : kind === 'spike'
        ? { duration: 1 + Math.floor(random() * 3), magnitude: between(random, 4, 8) }
        : { duration: Math.floor(between(random, 3, 20)), magnitude: between(random, 0.05, 0.25) },
  );
  let ar = 0;
  const values = times.map((_, i) => {
    ar = wander * ar + Math.sqrt(1 - wander * wander) * gaussian(random);
    let value = base * Math.exp(sigma * ar);
    for (const kind of ['levelShift', 'spike', 'drop'] as const) value *= active(events, i, kind)?.event.magnitude ?? 1;
    return Math.round(value);
  });
  return { times, values, events };
}

/** A configured value that stays put for thousands of checks, then moves once and may blip. */
function constant(random: RandomSource): Body {
  const length = Math.floor(between(random, 2000, 3500));
  const times = regularTimes(random, length, 300_000);
  const value = pick(random, [0, 1, 8, 250, 1024, 0.5]);
  const probation = Math.floor(length * 0.15);
  const slot = length - probation;
  const shiftAt = probation + Math.floor(between(random, 0.1, 0.45) * slot);
  const events: PlannedEvent[] = [
    { kind: 'levelShift', at: shiftAt, duration: Infinity, magnitude: value === 0 ? 1 : value * pick(random, [0.5, 2]) },
  ];
  if (random() < 0.6)
    events.push({ kind: 'spike', at: shiftAt + Math.floor(between(random, 0.55, 0.9) * (length - shiftAt)), duration: 1, magnitude: 0 });
  const values = times.map((_, i) => {
    const shifted = active(events, i, 'levelShift');
    const level = shifted ? shifted.event.magnitude : value;
    return active(events, i, 'spike') ? level * 3 + 5 : level;
  });
  return { times, values, events };
}

/** Small whole numbers that repeat a lot (open connections, queue depth), with mean reversion. */
function queueDepth(random: RandomSource): Body {
  const length = Math.floor(between(random, 2500, 4500));
  const times = regularTimes(random, length, pick(random, [60_000, 300_000]));
  const mean = between(random, 0.5, 6);
  const events = plan(random, length, Math.floor(length * 0.15), ['levelShift', 'spike'], (kind) =>
    kind === 'levelShift'
      ? { duration: Infinity, magnitude: between(random, 4, 8) }
      : { duration: 1 + Math.floor(random() * 3), magnitude: between(random, 20, 40) },
  );
  let depth = Math.round(mean);
  const values = times.map((_, i) => {
    const target = mean + (active(events, i, 'levelShift')?.event.magnitude ?? 0);
    depth = Math.max(0, depth + poisson(random, target * 0.3) - poisson(random, depth * 0.3));
    const spike = active(events, i, 'spike');
    return spike ? Math.round(spike.event.magnitude) : depth;
  });
  return { times, values, events };
}

/** Response times with 1- and 5-minute stretches, gaps of hours, repeated rows and clocks that step back. */
function irregular(random: RandomSource): Body {
  const length = Math.floor(between(random, 2500, 4500));
  const level = Math.log(pick(random, [15, 80, 300]));
  const sigma = between(random, 0.05, 0.25);
  const events = plan(random, length, Math.floor(length * 0.15), ['spike', 'levelShift', 'slowPeriod'], (kind) =>
    kind === 'spike'
      ? { duration: 1 + Math.floor(random() * 2), magnitude: between(random, 1.6, 3) }
      : kind === 'levelShift'
        ? { duration: Infinity, magnitude: between(random, 0.5, 1.1) }
        : { duration: Math.floor(between(random, 10, 50)), magnitude: between(random, 0.7, 1.5) },
  );
  const times: number[] = [];
  let time = Date.UTC(2026, 0, 5) + Math.floor(random() * 24) * HOUR_MS;
  let interval = 60_000;
  for (let i = 0; i < length; i++) {
    if (random() < 0.004) interval = interval === 60_000 ? 300_000 : 60_000;
    const r = random();
    if (r < 0.0015)
      time += Math.floor(between(random, 1, 8) * HOUR_MS); // the laptop slept
    else if (r < 0.006)
      time += 0; // the same row written twice
    else if (r < 0.008)
      time -= Math.floor(between(random, 1, 10) * 60_000); // a clock correction
    else time += interval + Math.floor(gaussian(random) * 1500);
    times.push(time);
  }
  let ar = 0;
  const values = times.map((_, i) => {
    ar = 0.5 * ar + 0.87 * gaussian(random);
    let logValue = level + sigma * ar;
    if (random() < 0.008) logValue += between(random, 0.3, 1); // retransmits: normal life
    for (const kind of ['spike', 'levelShift', 'slowPeriod'] as const) logValue += active(events, i, kind)?.event.magnitude ?? 0;
    if (random() < 0.002) return null;
    return Math.max(1, Math.round(Math.exp(logValue)));
  });
  return { times, values, events };
}

function loadAverage(random: RandomSource): Body {
  const length = Math.floor(between(random, 2500, 4500));
  const times = regularTimes(random, length, 300_000);
  const base = between(random, 0.03, 1.5);
  const amplitude = random() < 0.6 ? between(random, 0.3, 0.9) : 0;
  const sigma = between(random, 0.1, 0.3);
  const events = plan(random, length, Math.floor(length * 0.15), ['spike', 'levelShift', 'drift'], (kind) =>
    kind === 'spike'
      ? { duration: 1 + Math.floor(random() * 2), magnitude: between(random, 4, 10) }
      : kind === 'levelShift'
        ? { duration: Infinity, magnitude: between(random, 2, 3.5) }
        : { duration: Math.floor(between(random, 200, 500)), magnitude: between(random, 2.5, 4) },
  );
  let ar = 0;
  const values = times.map((time, i) => {
    ar = 0.85 * ar + 0.53 * gaussian(random);
    let value = base * Math.exp(amplitude * dailyWave(time, 11) + sigma * ar);
    value *= active(events, i, 'spike')?.event.magnitude ?? 1;
    value *= active(events, i, 'levelShift')?.event.magnitude ?? 1;
    for (const event of events)
      if (event.kind === 'drift' && i >= event.at) value *= 1 + (event.magnitude - 1) * Math.min(1, (i - event.at) / event.duration);
    return Math.max(0, quantise(value, 0.01));
  });
  return { times, values, events };
}

/**
 * A strong daily rhythm (and a weekly one on some). The anomalies are values that are ordinary for
 * another hour: the night dip does not come, or the afternoon falls to the night's level.
 */
function seasonal(random: RandomSource): Body {
  const intervalMs = pick(random, [300_000, 900_000]);
  const length = Math.floor(between(random, 3000, 4500));
  const times = regularTimes(random, length, intervalMs);
  const base = Math.log(pick(random, [30, 500, 8000]));
  const amplitude = between(random, 0.7, 1.4);
  const peakHour = between(random, 16, 21);
  const weekend = random() < 0.5 ? Math.log(between(random, 0.5, 0.75)) : 0;
  const sigma = between(random, 0.05, 0.15);
  const dayChecks = DAY_MS / intervalMs;
  // Events start where they are out of place: "missedDip" near the trough, "dayDrop" near the peak.
  const probation = Math.floor(length * 0.15);
  const events = plan(random, length, probation + Math.ceil(dayChecks), ['missedDip', 'dayDrop', 'spike'], (kind) =>
    kind === 'spike'
      ? { duration: 1 + Math.floor(random() * 2), magnitude: between(random, 0.8, 1.4) }
      : { duration: Math.floor(dayChecks * between(random, 0.1, 0.2)), magnitude: 0 },
  );
  for (const event of events) {
    if (event.kind === 'spike') continue;
    const wanted = event.kind === 'missedDip' ? peakHour + 12 : peakHour;
    for (let step = 0; step < dayChecks && event.at + step < length; step++) {
      const hour = (times[event.at + step]! % DAY_MS) / HOUR_MS;
      const apart = (((hour - wanted) % 24) + 24) % 24;
      if (Math.min(apart, 24 - apart) < 1) {
        event.at += step;
        break;
      }
    }
    event.at = Math.min(event.at, length - event.duration - 1);
  }
  let ar = 0;
  const values = times.map((time, i) => {
    ar = 0.6 * ar + 0.8 * gaussian(random);
    let wave = amplitude * dailyWave(time, peakHour);
    if (active(events, i, 'missedDip')) wave = amplitude * 0.6;
    if (active(events, i, 'dayDrop')) wave = -amplitude * 0.8;
    let logValue = base + wave + (isWeekend(time) ? weekend : 0) + sigma * ar;
    logValue += active(events, i, 'spike')?.event.magnitude ?? 0;
    return Math.round(Math.exp(logValue) * 10) / 10;
  });
  return { times, values, events };
}

const GENERATORS: Record<GenericFamily, (random: RandomSource) => Body> = {
  traffic,
  cpuPercent,
  sparseCounts,
  temperature,
  byteRate,
  constant,
  queueDepth,
  irregular,
  loadAverage,
  seasonal,
};

/** One series of `family`; `seed` decides everything else. */
export function generateGenericSeries(family: GenericFamily, seed: number): LabelledSeries {
  const random = createSeededRandom(seed * 104_729 + 7);
  const { times, values, events } = GENERATORS[family](random);
  const length = times.length;
  const probation = Math.floor(length * 0.15);
  const windowChecks = Math.floor((length * 0.1) / events.length);
  const windows = events.map((event): LabelWindow => {
    const endIndex = Math.min(length - 1, event.at + windowChecks - 1);
    return { kind: event.kind, start: times[event.at]!, end: Math.max(times[event.at]!, times[endIndex]!) };
  });
  return { name: `${family}-${seed}`, seed, times, values, windows, probation };
}

/**
 * `perFamily` series of every family. Seeds run 1, 2, 3... within a family; odd seeds join the
 * held-out half and even seeds the tuning half, so each family is in both halves.
 */
export function generateGenericSet(perFamily: number): LabelledSeries[] {
  return GENERIC_FAMILIES.flatMap((family, f) =>
    Array.from({ length: perFamily }, (_, i) => generateGenericSeries(family, 1000 * (f + 1) + i + 1)),
  );
}
