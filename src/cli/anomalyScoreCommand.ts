/**
 * `network-monitor anomaly-score`: reads a CSV with a `timestamp,value` header on stdin and writes
 * one anomaly score per data row on stdout, as each row arrives (the score of row i uses rows up to
 * i only), so exported history can be scored and the detector judged on outside labelled data.
 *
 * Liberal in what it reads: ISO 8601 timestamps (a time without a zone is taken as UTC), epoch
 * seconds or milliseconds, quoted fields, CRLF line ends, extra columns after the named ones. A
 * blank or non-numeric value is a failed check (score 0). Timestamps may repeat or step backwards.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { AnomalyDetector } from '../core/anomaly/anomalyDetector';

export const ANOMALY_SCORE_USAGE = 'Usage: network-monitor anomaly-score < history.csv (a CSV whose header is "timestamp,value").';

/** Epoch numbers below this are seconds (1e11 s is in the year 5138; 1e11 ms is in 1973). */
const SECONDS_LIMIT = 1e11;
const ZONELESS_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

function splitFields(line: string): string[] {
  return line.split(',').map((field) => field.trim().replace(/^"(.*)"$/, '$1').trim());
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

/** Returns the process exit code: 0 when the input was read to its end, 2 for a malformed header. */
export async function runAnomalyScore(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  errors: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  const detector = new AnomalyDetector();
  let timeColumn = -1;
  let valueColumn = -1;
  let lastTime = 0;
  let outputClosed = false;
  const onOutputError = () => {
    outputClosed = true;
    lines.close();
  };
  output.on('error', onOutputError);
  try {
    for await (const rawLine of lines) {
      if (outputClosed) break;
      const line = rawLine.replace(/^\uFEFF/, '');
      if (timeColumn < 0) {
        const names = splitFields(line).map((name) => name.toLowerCase());
        timeColumn = names.indexOf('timestamp');
        valueColumn = names.indexOf('value');
        if (timeColumn < 0 || valueColumn < 0) {
          const shown = line.length > 80 ? `${line.slice(0, 80)}...` : line;
          errors.write(`network-monitor anomaly-score: the first line must be the header "timestamp,value", but it is "${shown}". ${ANOMALY_SCORE_USAGE}\n`);
          return 2;
        }
        continue;
      }
      if (line.trim() === '') continue;
      const fields = splitFields(line);
      // A row whose time cannot be read keeps the previous time: its value still counts.
      const time = parseTimestamp(fields[timeColumn] ?? '') ?? lastTime;
      lastTime = time;
      const score = detector.score({ time, value: parseValue(fields[valueColumn] ?? '') });
      if (!output.write(`${formatScore(score)}\n`)) await Promise.race([once(output, 'drain'), once(output, 'close')]);
    }
  } finally {
    output.off('error', onOutputError);
  }
  if (timeColumn < 0) {
    errors.write(`network-monitor anomaly-score: the input is empty; it needs the header "timestamp,value" and one row per check. ${ANOMALY_SCORE_USAGE}\n`);
    return 2;
  }
  return 0;
}
