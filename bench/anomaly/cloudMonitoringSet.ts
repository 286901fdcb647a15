/**
 * The Cloud Monitoring Dataset (Microsoft, MIT; see cloudMonitoring/PROVENANCE.md): 60 series of
 * real production telemetry (latencies, crash rates, request and ingress rates, minute or hour
 * samples) with the services' own experts' point labels. The bench's primary real-world set.
 *
 * Windows follow the rule of the README beside the data: each run of consecutive labelled rows is
 * one event; the windows of a series together cover 10 % of its rows, shared evenly between its
 * events and centred on each, never shorter than the event; windows that overlap merge; the first
 * 15 % of rows is probation. The tuning / held-out split is by whole folder, fixed in split.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelledSeries, LabelWindow } from './evaluationSet';

const FOLDER = join(__dirname, 'cloudMonitoring');
const WINDOW_FRACTION = 0.1;
const PROBATION_FRACTION = 0.15;

export interface CloudMonitoringSplit {
  heldOut: string[];
  tuning: string[];
}

export function cloudMonitoringSplit(): CloudMonitoringSplit {
  return JSON.parse(readFileSync(join(FOLDER, 'split.json'), 'utf8')) as CloudMonitoringSplit;
}

export interface LabelledRows {
  times: number[];
  values: (number | null)[];
  labels: boolean[];
}

/** Reads one `TimeStamp,Value,Label` file, quoted or not; a time without a zone is UTC, an empty value a gap. */
export function readLabelledCsv(text: string): LabelledRows {
  const rows: LabelledRows = { times: [], values: [], labels: [] };
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (line.trim() === '') continue;
    const [stamp = '', value = '', label = ''] = line.split(',').map((cell) => cell.trim().replace(/^"|"$/g, ''));
    const iso = stamp.replace(' ', 'T');
    const time = Date.parse(/Z$|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
    if (!Number.isFinite(time)) throw new Error(`Unreadable time "${stamp}"`);
    rows.times.push(time);
    rows.values.push(value === '' ? null : Number(value));
    rows.labels.push(label === '1');
  }
  return rows;
}

/** The README's windowing rule, in row indices (inclusive): see the file comment. */
export function labelWindows(labels: readonly boolean[]): { first: number; last: number }[] {
  const events: { first: number; last: number }[] = [];
  labels.forEach((label, i) => {
    if (!label) return;
    const previous = events.at(-1);
    if (previous && previous.last === i - 1) previous.last = i;
    else events.push({ first: i, last: i });
  });
  if (events.length === 0) return [];
  const share = (WINDOW_FRACTION * labels.length) / events.length;
  const merged: { first: number; last: number }[] = [];
  for (const event of events) {
    const length = Math.max(event.last - event.first + 1, Math.round(share));
    const centre = (event.first + event.last) / 2;
    // Centred even at the ends of the series, where the window is cut short.
    const start = Math.round(centre - (length - 1) / 2);
    const first = Math.max(0, start);
    const last = Math.min(labels.length - 1, start + length - 1);
    const previous = merged.at(-1);
    if (previous && first <= previous.last) previous.last = Math.max(previous.last, last);
    else merged.push({ first, last });
  }
  return merged;
}

/** Every series in file order, folder by folder; held-out series get odd seeds, as the evaluation expects. */
export function loadCloudMonitoringSet(): LabelledSeries[] {
  const split = cloudMonitoringSplit();
  const folders = [...split.heldOut, ...split.tuning].sort();
  const set: LabelledSeries[] = [];
  for (const folder of folders) {
    const heldOut = split.heldOut.includes(folder);
    const files = readdirSync(join(FOLDER, 'data', folder))
      .filter((name) => name.endsWith('.csv'))
      .sort();
    for (const file of files) {
      const { times, values, labels } = readLabelledCsv(readFileSync(join(FOLDER, 'data', folder, file), 'utf8'));
      const windows = labelWindows(labels).map(({ first, last }): LabelWindow => ({
        kind: 'expert',
        start: times[first]!,
        end: times[last]!,
      }));
      set.push({
        name: `${folder}/${file.replace(/\.csv$/, '')}`,
        seed: 2 * set.length + (heldOut ? 1 : 0),
        times,
        values,
        windows,
        probation: Math.round(PROBATION_FRACTION * times.length),
      });
    }
  }
  return set;
}
