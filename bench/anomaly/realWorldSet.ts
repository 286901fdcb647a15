/**
 * The real-world labelled set: series from R, its packages and vega-datasets, stored under
 * realWorld/data as `timestamp,value` CSV, with their labels in realWorld/series.json. Every label
 * is a documented event or the source's own coding (PROVENANCE.md gives the source, licence and
 * reason of each). The split into a tuning half and a held-out half is fixed in series.json.
 *
 * Windows: an event with a documented end spans start to end; a sudden event spans a tenth of the
 * series divided by its number of events (as in the generated set and NAB); every window covers at
 * least the two checks after its start, so a one-check label can be found at all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelledSeries, LabelWindow } from './evaluationSet';

const FOLDER = join(__dirname, 'realWorld');
const PROBATION_FRACTION = 0.15;
const MIN_WINDOW_CHECKS = 2;

export interface RealWorldEvent {
  start: string;
  end?: string;
  reason: string;
}

export interface RealWorldEntry {
  name: string;
  split: 'train' | 'heldOut';
  sampling: string;
  source: string;
  licence: string;
  events: RealWorldEvent[];
}

export function realWorldManifest(): RealWorldEntry[] {
  return (JSON.parse(readFileSync(join(FOLDER, 'series.json'), 'utf8')) as { series: RealWorldEntry[] }).series;
}

/** Reads one `timestamp,value` file; an empty value is a gap (a failed check). */
export function readSeriesCsv(text: string): { times: number[]; values: (number | null)[] } {
  const times: number[] = [];
  const values: (number | null)[] = [];
  for (const line of text.split('\n').slice(1)) {
    if (line.trim() === '') continue;
    const [stamp, value] = line.split(',');
    times.push(Date.parse(stamp!));
    values.push(value === undefined || value.trim() === '' ? null : Number(value));
  }
  return { times, values };
}

function windowsFor(entry: RealWorldEntry, times: readonly number[]): LabelWindow[] {
  const suddenChecks = Math.max(MIN_WINDOW_CHECKS, Math.round((0.1 * times.length) / Math.max(1, entry.events.length)));
  return entry.events.map((event) => {
    const start = Date.parse(event.start);
    const first = times.findIndex((t) => t >= start);
    if (first < 0) throw new Error(`${entry.name}: the event of ${event.start} is after the series ends.`);
    const minimumEnd = times[Math.min(times.length - 1, first + (event.end ? MIN_WINDOW_CHECKS : suddenChecks))]!;
    const end = event.end ? Math.max(Date.parse(event.end), minimumEnd) : minimumEnd;
    return { kind: event.end ? 'documented' : 'sudden', start, end };
  });
}

/** The set as LabelledSeries; held-out series get odd seeds, as the evaluation expects. */
export function loadRealWorldSet(): LabelledSeries[] {
  return realWorldManifest().map((entry, index) => {
    const { times, values } = readSeriesCsv(readFileSync(join(FOLDER, 'data', `${entry.name}.csv`), 'utf8'));
    return {
      name: entry.name,
      seed: 2 * index + (entry.split === 'heldOut' ? 1 : 0),
      times,
      values,
      windows: windowsFor(entry, times),
      probation: Math.round(PROBATION_FRACTION * times.length),
    };
  });
}
