/**
 * `network-monitor anomaly-score`: reads a CSV with a `timestamp,value` header on stdin and writes
 * one anomaly score per data row on stdout, as each row arrives (the score of row i uses rows up to
 * i only), so exported history can be scored and the detector judged on outside labelled data.
 *
 * Liberal in what it reads: ISO 8601 timestamps (a time without a zone is taken as UTC), epoch
 * seconds or milliseconds, quoted fields (with commas, doubled quotes or line breaks inside, read
 * by csv-parse as RFC 4180 says), CRLF line ends, extra columns in any order. A blank or
 * non-numeric value is a failed check (score 0). Timestamps may repeat or step backwards.
 *
 * The history export (`time,...,target_id,...,status,...,total_ms,dns_ms,...`) is read as it is:
 * `time` and `total_ms` stand in for `timestamp` and `value`, each target_id gets its own detector,
 * a DOWN row is a failed check, and the phase columns (dns_ms, connect_ms, tls_ms, first_byte_ms,
 * transfer_ms) are passed on, so exported history scores as the engine scored it while monitoring.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse/sync';
import { AnomalyDetector } from '../core/anomaly/anomalyDetector';
import type { PhaseTimings } from '../core/probes/checkResult';

export const ANOMALY_SCORE_USAGE =
  'Usage: network-monitor anomaly-score < history.csv (a CSV whose header is "timestamp,value", or a history export).';

const TIME_NAMES = ['timestamp', 'time'];
const VALUE_NAMES = ['value', 'total_ms'];
const PHASE_COLUMNS: readonly [keyof PhaseTimings, string][] = [
  ['dns', 'dns_ms'],
  ['connect', 'connect_ms'],
  ['tls', 'tls_ms'],
  ['firstByte', 'first_byte_ms'],
  ['transfer', 'transfer_ms'],
];

interface Columns {
  time: number;
  value: number;
  /** -1 when the input has no status column. */
  status: number;
  /** -1 when the input has no target_id column (one series). */
  target: number;
  /** Empty unless every phase column is present. */
  phases: [keyof PhaseTimings, number][];
}

function findColumns(names: readonly string[]): Columns | undefined {
  const first = (candidates: readonly string[]) => candidates.map((name) => names.indexOf(name)).find((index) => index >= 0) ?? -1;
  const time = first(TIME_NAMES);
  const value = first(VALUE_NAMES);
  if (time < 0 || value < 0) return undefined;
  const phases = PHASE_COLUMNS.map(([phase, name]): [keyof PhaseTimings, number] => [phase, names.indexOf(name)]);
  return {
    time,
    value,
    status: names.indexOf('status'),
    target: names.indexOf('target_id'),
    phases: phases.every(([, index]) => index >= 0) ? phases : [],
  };
}

function readPhases(fields: readonly string[], columns: Columns['phases']): PhaseTimings | undefined {
  if (columns.length === 0) return undefined;
  const phases: PhaseTimings = { dns: 0, connect: 0, tls: 0, firstByte: 0, transfer: 0 };
  for (const [phase, index] of columns) {
    const ms = Number(fields[index] ?? '');
    if (fields[index] === '' || !Number.isFinite(ms)) return undefined;
    phases[phase] = ms;
  }
  return phases;
}

/** Epoch numbers below this are seconds (1e11 s is in the year 5138; 1e11 ms is in 1973). */
const SECONDS_LIMIT = 1e11;
const ZONELESS_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** Rows may have fewer or more fields than the header, and a stray quote inside a field is text. */
const CSV_OPTIONS = { trim: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true } as const;

/** A field quoted across line breaks is read whole, up to this many lines. */
const MAX_LINES_PER_ROW = 100;

/**
 * Reads CSV rows as their lines arrive, so each score is printed before the next row is read (a
 * streaming CSV parser holds every row back until it sees the next). A row whose quotes are not
 * yet balanced continues on the next line, as RFC 4180 allows inside a quoted field; each row is
 * then split by csv-parse. A stray quote inside an unquoted field is kept as text.
 */
async function* csvRows(input: NodeJS.ReadableStream, stop: { closed: boolean }): AsyncGenerator<string[]> {
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  let pending: string[] = [];
  try {
    for await (const line of lines) {
      if (stop.closed) return;
      pending.push(line);
      const text = pending.join('\n');
      if (quoteCount(text) % 2 === 1 && pending.length < MAX_LINES_PER_ROW) continue;
      pending = [];
      yield* parseCsv(text, { ...CSV_OPTIONS, bom: true }) as string[][];
    }
    if (pending.length > 0) yield* parseCsv(pending.join('\n'), CSV_OPTIONS) as string[][];
  } finally {
    lines.close();
  }
}

function quoteCount(text: string): number {
  let count = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) count++;
  return count;
}

/** Epoch ms, or undefined when the text is not a time. */
export function parseTimestamp(text: string): number | undefined {
  if (text === '') return undefined;
  const number = Number(text);
  if (Number.isFinite(number)) return Math.abs(number) < SECONDS_LIMIT ? number * 1000 : number;
  const iso = ZONELESS_DATE_TIME.test(text) ? `${text.replace(' ', 'T')}Z` : text;
  const parsed = Date.parse(iso);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** A response time, or null for a blank or non-numeric value (a failed check). */
export function parseValue(text: string): number | null {
  if (text === '') return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : null;
}

export function formatScore(score: number): string {
  return String(Number(score.toFixed(6)));
}

/** Returns the process exit code: 0 when the input was read to its end, 2 for a malformed header or CSV. */
export async function runAnomalyScore(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  errors: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  // Rows may have fewer or more fields than the header: a history export or a hand-made file
  // scores rather than stopping at its first oddity.
  const stop = { closed: false };
  const detectors = new Map<string, AnomalyDetector>();
  let columns: Columns | undefined;
  let lastTime = 0;
  const onOutputError = () => {
    stop.closed = true;
  };
  output.on('error', onOutputError);
  try {
    for await (const fields of csvRows(input, stop)) {
      if (stop.closed) break;
      if (!columns) {
        columns = findColumns(fields.map((name) => name.toLowerCase()));
        if (!columns) {
          const line = fields.join(',');
          const shown = line.length > 80 ? `${line.slice(0, 80)}...` : line;
          errors.write(
            `network-monitor anomaly-score: the first line must be the header "timestamp,value" (or name a "time" and a "total_ms" column), but it is "${shown}". ${ANOMALY_SCORE_USAGE}\n`,
          );
          return 2;
        }
        continue;
      }
      if (fields.every((field) => field === '')) continue;
      // A row whose time cannot be read keeps the previous time: its value still counts.
      const time = parseTimestamp(fields[columns.time] ?? '') ?? lastTime;
      lastTime = time;
      const down = columns.status >= 0 && fields[columns.status]?.toUpperCase() === 'DOWN';
      const value = down ? null : parseValue(fields[columns.value] ?? '');
      const target = columns.target >= 0 ? (fields[columns.target] ?? '') : '';
      let detector = detectors.get(target);
      if (!detector) {
        detector = new AnomalyDetector();
        detectors.set(target, detector);
      }
      const score = detector.score({ time, value, phases: readPhases(fields, columns.phases) });
      if (!output.write(`${formatScore(score)}\n`)) await Promise.race([once(output, 'drain'), once(output, 'close')]);
    }
  } catch (error) {
    if (stop.closed) return 0;
    // csv-parse names the line, e.g. "Invalid Closing Quote: ... at line 12".
    errors.write(`network-monitor anomaly-score: the input is not CSV that can be read: ${(error as Error).message}\n`);
    return 2;
  } finally {
    output.off('error', onOutputError);
  }
  if (!columns) {
    errors.write(
      `network-monitor anomaly-score: the input is empty; it needs the header "timestamp,value" and one row per check. ${ANOMALY_SCORE_USAGE}\n`,
    );
    return 2;
  }
  return 0;
}
