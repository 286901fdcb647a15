/**
 * Quiet periods of a target: a snooze until a moment (`snoozeUntil` in its entry, set by Snooze
 * Target) and weekly maintenance windows (`maintenance: [{ days: ["sun"], from: "02:00", to:
 * "04:00" }]`, in the local time of the machine that checks). During one, checks go on and are
 * recorded, marked as made during maintenance; no alert, reminder or recovery is announced, and
 * uptime leaves those checks out. A window whose `to` is before its `from` runs past midnight
 * into the next day.
 */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface MaintenanceWindow {
  /** The days the window starts on. */
  days: Weekday[];
  /** Minutes after local midnight. */
  fromMinute: number;
  toMinute: number;
}

export interface QuietPeriods {
  /** Epoch ms; null when not snoozed. */
  snoozeUntil: number | null;
  maintenance: MaintenanceWindow[];
}

const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const DAY_MINUTES = 24 * 60;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseMaintenanceWindows(value: unknown): Parsed<MaintenanceWindow[]> {
  if (value === undefined) return { ok: true, value: [] };
  if (!Array.isArray(value))
    return { ok: false, error: '"maintenance" must be a list of windows like { "days": ["sun"], "from": "02:00", "to": "04:00" }.' };
  const windows: MaintenanceWindow[] = [];
  for (const [index, raw] of value.entries()) {
    const window = raw as { days?: unknown; from?: unknown; to?: unknown } | null;
    const where = `"maintenance"[${index}]`;
    if (!window || typeof window !== 'object') return { ok: false, error: `${where} must be an object with "days", "from" and "to".` };
    const days = window.days === undefined ? [...WEEKDAYS] : window.days;
    if (
      !Array.isArray(days) ||
      days.length === 0 ||
      days.some((day) => typeof day !== 'string' || !(WEEKDAYS as readonly string[]).includes(day.toLowerCase().slice(0, 3)))
    ) {
      return { ok: false, error: `${where}.days must list days such as "mon", "sat", "sun" (or be left out for every day).` };
    }
    const from = typeof window.from === 'string' ? TIME.exec(window.from) : null;
    const to = typeof window.to === 'string' ? TIME.exec(window.to) : null;
    if (!from || !to) return { ok: false, error: `${where} needs "from" and "to" as 24-hour times such as "02:00" and "04:30".` };
    const fromMinute = Number(from[1]) * 60 + Number(from[2]);
    const toMinute = Number(to[1]) * 60 + Number(to[2]);
    if (fromMinute === toMinute) return { ok: false, error: `${where} starts and ends at the same time.` };
    windows.push({ days: [...new Set((days as string[]).map((day) => day.toLowerCase().slice(0, 3) as Weekday))], fromMinute, toMinute });
  }
  return { ok: true, value: windows };
}

/** `snoozeUntil` as an ISO date-time or epoch milliseconds; null when absent. */
export function parseSnoozeUntil(value: unknown): Parsed<number | null> {
  if (value === undefined || value === null) return { ok: true, value: null };
  const at = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(at)) return { ok: false, error: '"snoozeUntil" must be a date and time such as "2026-12-07T15:00:00Z".' };
  return { ok: true, value: at };
}

/** Whether `at` falls in a snooze or a maintenance window, in this machine's local time. */
export function isQuiet(periods: QuietPeriods, at: number): boolean {
  if (periods.snoozeUntil !== null && at < periods.snoozeUntil) return true;
  if (periods.maintenance.length === 0) return false;
  const date = new Date(at);
  const minute = date.getHours() * 60 + date.getMinutes();
  const today = WEEKDAYS[date.getDay()]!;
  const yesterday = WEEKDAYS[(date.getDay() + 6) % 7]!;
  return periods.maintenance.some((window) => {
    if (window.fromMinute < window.toMinute) return window.days.includes(today) && minute >= window.fromMinute && minute < window.toMinute;
    // Past midnight: the evening part on a listed day, the morning part on the day after one.
    return (window.days.includes(today) && minute >= window.fromMinute) || (window.days.includes(yesterday) && minute < window.toMinute);
  });
}

/** "Sun 02:00-04:00" for tooltips. */
export function describeWindow(window: MaintenanceWindow): string {
  const time = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
  const days = window.days.length === 7 ? 'every day' : window.days.map((day) => day[0]!.toUpperCase() + day.slice(1)).join(', ');
  return `${days} ${time(window.fromMinute)}-${time(window.toMinute % DAY_MINUTES)}`;
}
