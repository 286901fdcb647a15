/** Query parameter parsing: a bad value is a 400 that names the parameter and the accepted form. */
import { ApiError } from './apiErrors';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const WINDOWS = { '1h': HOUR_MS, '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS } as const;
export type WindowName = keyof typeof WINDOWS;

/** Epoch milliseconds, or an ISO 8601 date or date-time (`2026-01-31`, `2026-01-31T12:00:00Z`). */
export function parseTime(name: string, text: string | null): number | undefined {
  if (text === null || text === '') return undefined;
  if (/^\d{1,15}$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const parsed = Date.parse(text);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw new ApiError(
    'bad_request',
    `"${name}" must be epoch milliseconds or an ISO 8601 date like 2026-01-31T12:00:00Z (got "${clip(text)}").`,
  );
}

/** `[from, to)`, by default the `defaultSpanMs` before now; `from` must be before `to`. */
export function parseRange(params: URLSearchParams, now: number, defaultSpanMs: number): { from: number; to: number } {
  const to = parseTime('to', params.get('to')) ?? now;
  const from = parseTime('from', params.get('from')) ?? to - defaultSpanMs;
  if (from >= to) throw new ApiError('bad_request', `"from" (${from}) must be earlier than "to" (${to}).`);
  return { from, to };
}

export function parseInteger(name: string, text: string | null, min: number, max: number): number | undefined {
  if (text === null || text === '') return undefined;
  const value = /^-?\d{1,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ApiError('bad_request', `"${name}" must be a whole number from ${min} to ${max} (got "${clip(text)}").`);
  }
  return value;
}

export function parseFraction(name: string, text: string | null): number | undefined {
  if (text === null || text === '') return undefined;
  const value = /^\d*\.?\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= 0 && value <= 1)) throw new ApiError('bad_request', `"${name}" must be a number from 0 to 1 (got "${clip(text)}").`);
  return value;
}

export function parseChoice<T extends string>(name: string, text: string | null, choices: readonly T[]): T | undefined {
  if (text === null || text === '') return undefined;
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new ApiError('bad_request', `"${name}" must be one of ${choices.join(', ')} (got "${clip(text)}").`);
}

export function parseWindow(text: string | null): WindowName {
  return parseChoice('window', text, Object.keys(WINDOWS) as WindowName[]) ?? '24h';
}

/** Echoing a whole hostile parameter back would make the error as large as the request. */
function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}...` : text;
}
