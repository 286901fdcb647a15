/**
 * The dashboard's message protocol, imported by the panel host (src/vscode/dashboard) and the
 * webview (webview-ui). One discriminated union per direction; every message that crosses is
 * checked with the guard for its direction before it is used.
 *
 * Handshake: the webview posts `ready` once its script runs; the host answers `init`; the webview
 * then asks for what it shows (`requestSeries`, `requestReport`) with a `requestId` that the
 * reply (`series`, `report`, or `error`) carries back. `ready` may carry the first series request
 * already, so that the host reads the history while the webview lays out its first frame. The
 * host pushes `checkAdded` and `stateChanged` as they happen; the webview never polls.
 *
 * Type imports only: this file is compiled for Node and for the browser.
 */
import type { GeoLocation } from './geoLocation';
import type { CheckStatus, TargetStatus } from './targetStatus';

export const TIME_RANGES = ['1h', '24h', '7d', '30d', '1y'] as const;
/** A range the user picks by name (the last hour, day...); `core/store`'s `TimeRange` is a span `[from, to)`. */
export type RangeName = (typeof TIME_RANGES)[number];

export const RANGE_MS: Readonly<Record<RangeName, number>> = {
  '1h': 60 * 60 * 1000,
  '24h': 24 * 60 * 60 * 1000,
  '7d': 7 * 24 * 60 * 60 * 1000,
  '30d': 30 * 24 * 60 * 60 * 1000,
  '1y': 365 * 24 * 60 * 60 * 1000,
};

/** Points per target the webview asks for unless it says otherwise; keeps 20 targets x 30 days smooth. */
export const DEFAULT_MAX_POINTS = 500;
export const MAX_MAX_POINTS = 5000;
/** Fewest points per target a chart asks for, however narrow the panel or long the target list. */
export const MIN_POINTS_PER_TARGET = 60;
/** Points of all lines together: past this, more targets means coarser lines, not a slower chart. */
export const TOTAL_POINTS_BUDGET = 4000;

/** The most points per target when `targets` lines share the chart. */
export function pointBudgetPerTarget(targets: number): number {
  return Math.max(MIN_POINTS_PER_TARGET, Math.floor(TOTAL_POINTS_BUDGET / Math.max(1, targets)));
}

/** Where a target's server is: the engine's own type (a type only, so the webview bundles no engine code). */
export type MapLocation = GeoLocation;

export interface DashboardTarget {
  id: string;
  name: string;
  url: string;
  kind: 'http' | 'tcp' | 'dns';
  /** The IP address last connected to, or null before the first answer. */
  address: string | null;
  /** Null until the address has been located. */
  location: MapLocation | null;
}

export interface DashboardTargetState {
  targetId: string;
  status: TargetStatus;
  /** When `status` last changed, epoch ms. */
  since: number | null;
  lastCheckAt: number | null;
  lastTotalMs: number | null;
  /** The last check's readable message (why it is down, or "200 OK in 84 ms"). */
  message: string | null;
}

/** The order of phases in every phase tuple and stacked chart. */
export const PHASES = ['dns', 'connect', 'tls', 'firstByte', 'transfer'] as const;
export type PhaseName = (typeof PHASES)[number];

/**
 * The phase that made an anomalous check unusual, as the anomaly detector names it: its share of
 * the check's total over its usual share (2.3: it took 2.3 times its usual share).
 */
export interface UnusualPhase {
  phase: PhaseName;
  factor: number;
}

/** An anomalous check of a series whose phase was named, at its start time. */
export interface UnusualPhaseNote extends UnusualPhase {
  t: number;
}

/**
 * One target's history over a range, column by column (parallel arrays of equal length) so that
 * 20 targets x 500 points cross the message channel without repeating keys. Point `i` is one
 * check when `bucketMs` is 0, otherwise the checks of `[t[i], t[i] + bucketMs)`.
 */
export interface SeriesColumns {
  targetId: string;
  range: RangeName;
  from: number;
  to: number;
  bucketMs: number;
  t: number[];
  /** Mean total response time of the checks that answered (UP or DEGRADED); null if none did. */
  avg: (number | null)[];
  /** Slowest answered check, so a spike survives downsampling. */
  max: (number | null)[];
  /** Mean phase times of the answered checks, in ms; 0 where none answered. */
  dns: number[];
  connect: number[];
  tls: number[];
  firstByte: number[];
  transfer: number[];
  checks: number[];
  down: number[];
  degraded: number[];
  /** Checks the anomaly detector flagged. */
  anomalies: number[];
  /** The flagged checks in the window whose unusual phase was named, oldest first (absent: none known). */
  unusualPhases?: UnusualPhaseNote[];
}

/** A check as it is pushed live. */
export interface LiveCheck {
  targetId: string;
  startedAt: number;
  status: CheckStatus;
  /** Null when the check got no answer (DOWN). */
  totalMs: number | null;
  /** [dns, connect, tls, firstByte, transfer] in ms, in `PHASES` order. */
  phases: [number, number, number, number, number];
  anomaly: boolean;
  /** For an anomalous check whose phases made it unusual. */
  unusualPhase?: UnusualPhase;
}

export interface ReportRow {
  targetId: string;
  name: string;
  url: string;
  /** Fraction of counted checks that were UP or DEGRADED, 0..1; null with no checks in range. */
  availability: number | null;
  avgMs: number | null;
  p95Ms: number | null;
  /** "City, Country", "Country", "Local network" or null when unknown. */
  location: string | null;
  anomalies: number;
  lastStatus: TargetStatus;
  /** Days until the certificate expires (negative once expired); null for non-TLS targets. */
  certDaysLeft: number | null;
}

export type ReportFormat = 'csv' | 'json';

// ---- webview -> host --------------------------------------------------------------------------

/**
 * The first series request, sent with `ready` before the webview knows the targets: `targetIds`
 * null means all of them, and the host keeps `maxPoints` within `pointBudgetPerTarget`.
 */
export interface InitialSeriesRequest {
  requestId: number;
  targetIds: string[] | null;
  range: RangeName;
  maxPoints: number;
}

export type WebviewToHostMessage =
  | { type: 'ready'; series?: InitialSeriesRequest }
  /** The targets the user shows; the host pushes live checks only for these. */
  | { type: 'selectTargets'; targetIds: string[] }
  | { type: 'setRange'; range: RangeName }
  | { type: 'requestSeries'; requestId: number; targetIds: string[]; range: RangeName; maxPoints: number }
  | { type: 'requestReport'; requestId: number; range: RangeName }
  /** Asks the host to save the report to a file the user picks. */
  | { type: 'exportReport'; range: RangeName; format: ReportFormat }
  /** An uncaught error in the webview, for the extension's log. */
  | { type: 'webviewError'; message: string };

// ---- host -> webview --------------------------------------------------------------------------

export type HostToWebviewMessage =
  | { type: 'init'; targets: DashboardTarget[]; states: DashboardTargetState[]; range: RangeName; now: number }
  | { type: 'targetsChanged'; targets: DashboardTarget[]; states: DashboardTargetState[] }
  | { type: 'series'; requestId: number; series: SeriesColumns[] }
  | { type: 'checkAdded'; check: LiveCheck }
  | { type: 'stateChanged'; state: DashboardTargetState }
  | { type: 'report'; requestId: number; range: RangeName; rows: ReportRow[] }
  /** A request failed (with its id) or something the user should know happened (without). */
  | { type: 'error'; requestId?: number; message: string };

// ---- guards -----------------------------------------------------------------------------------

type Fields = Record<string, unknown>;

const MAX_IDS = 1000;
const MAX_TEXT = 2000;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isRangeName(value: unknown): value is RangeName {
  return typeof value === 'string' && (TIME_RANGES as readonly string[]).includes(value);
}

function isRequestId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isIdList(value: unknown): value is string[] {
  return (
    Array.isArray(value) && value.length <= MAX_IDS && value.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 200)
  );
}

function isMaxPoints(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 2 && value <= MAX_MAX_POINTS;
}

function isNumberOrNull(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isFinite(value));
}

function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

function isNumberArray(value: unknown, length: number): boolean {
  return Array.isArray(value) && value.length === length && value.every((item) => typeof item === 'number' && Number.isFinite(item));
}

function isNullableNumberArray(value: unknown, length: number): boolean {
  return Array.isArray(value) && value.length === length && value.every(isNumberOrNull);
}

const STATUSES: readonly string[] = ['UNKNOWN', 'UP', 'DEGRADED', 'DOWN', 'PAUSED'];
const OUTCOMES: readonly string[] = ['UP', 'DEGRADED', 'DOWN'];

/** Validates what the host receives from the webview. */
export function isWebviewToHostMessage(value: unknown): value is WebviewToHostMessage {
  if (!isObject(value)) return false;
  switch (value['type']) {
    case 'ready': {
      const series = value['series'];
      if (series === undefined) return true;
      return (
        isObject(series) &&
        isRequestId(series['requestId']) &&
        (series['targetIds'] === null || isIdList(series['targetIds'])) &&
        isRangeName(series['range']) &&
        isMaxPoints(series['maxPoints'])
      );
    }
    case 'selectTargets':
      return isIdList(value['targetIds']);
    case 'setRange':
      return isRangeName(value['range']);
    case 'requestSeries':
      return (
        isRequestId(value['requestId']) && isIdList(value['targetIds']) && isRangeName(value['range']) && isMaxPoints(value['maxPoints'])
      );
    case 'requestReport':
      return isRequestId(value['requestId']) && isRangeName(value['range']);
    case 'exportReport':
      return isRangeName(value['range']) && (value['format'] === 'csv' || value['format'] === 'json');
    case 'webviewError':
      return typeof value['message'] === 'string' && value['message'].length <= MAX_TEXT * 4;
    default:
      return false;
  }
}

export function isMapLocation(value: unknown): value is MapLocation {
  return (
    isObject(value) &&
    typeof value['local'] === 'boolean' &&
    isStringOrNull(value['country']) &&
    isStringOrNull(value['countryCode']) &&
    isStringOrNull(value['city']) &&
    isStringOrNull(value['isp']) &&
    isNumberOrNull(value['asn']) &&
    isNumberOrNull(value['lat']) &&
    isNumberOrNull(value['lon'])
  );
}

export function isDashboardTarget(value: unknown): value is DashboardTarget {
  return (
    isObject(value) &&
    typeof value['id'] === 'string' &&
    typeof value['name'] === 'string' &&
    typeof value['url'] === 'string' &&
    (value['kind'] === 'http' || value['kind'] === 'tcp' || value['kind'] === 'dns') &&
    isStringOrNull(value['address']) &&
    (value['location'] === null || isMapLocation(value['location']))
  );
}

export function isDashboardTargetState(value: unknown): value is DashboardTargetState {
  return (
    isObject(value) &&
    typeof value['targetId'] === 'string' &&
    STATUSES.includes(value['status'] as string) &&
    isNumberOrNull(value['since']) &&
    isNumberOrNull(value['lastCheckAt']) &&
    isNumberOrNull(value['lastTotalMs']) &&
    isStringOrNull(value['message'])
  );
}

/** A phase of ours and a finite positive factor: nothing else reaches a sentence about a phase. */
export function isUnusualPhase(value: unknown): value is UnusualPhase {
  return (
    isObject(value) &&
    (PHASES as readonly unknown[]).includes(value['phase']) &&
    typeof value['factor'] === 'number' &&
    Number.isFinite(value['factor']) &&
    value['factor'] > 0
  );
}

/**
 * The figures of a sentence about an anomalous check's unusual phase: the phase, and its factor
 * as `2.3` (`12` from 10 up). Undefined for anything that is not a phase of ours with a finite
 * positive factor: the value may come from a history file or another window, and only our own
 * words may reach a tooltip or a notification.
 */
export function unusualPhaseFigures(value: unknown): { phase: PhaseName; factor: string } | undefined {
  if (!isUnusualPhase(value)) return undefined;
  return { phase: value.phase, factor: value.factor.toFixed(value.factor < 10 ? 1 : 0) };
}

function isUnusualPhaseNotes(value: unknown): boolean {
  return (
    value === undefined ||
    (Array.isArray(value) && value.every((note: unknown) => isUnusualPhase(note) && Number.isFinite((note as unknown as Fields)['t'])))
  );
}

export function isSeriesColumns(value: unknown): value is SeriesColumns {
  if (!isObject(value) || typeof value['targetId'] !== 'string' || !isRangeName(value['range'])) return false;
  if (!isNumberOrNull(value['from']) || !isNumberOrNull(value['to']) || typeof value['bucketMs'] !== 'number') return false;
  const t = value['t'];
  if (!Array.isArray(t)) return false;
  const length = t.length;
  return (
    isNumberArray(t, length) &&
    isNullableNumberArray(value['avg'], length) &&
    isNullableNumberArray(value['max'], length) &&
    (['dns', 'connect', 'tls', 'firstByte', 'transfer', 'checks', 'down', 'degraded', 'anomalies'] as const).every((column) =>
      isNumberArray(value[column], length),
    ) &&
    isUnusualPhaseNotes(value['unusualPhases'])
  );
}

export function isLiveCheck(value: unknown): value is LiveCheck {
  return (
    isObject(value) &&
    typeof value['targetId'] === 'string' &&
    typeof value['startedAt'] === 'number' &&
    OUTCOMES.includes(value['status'] as string) &&
    isNumberOrNull(value['totalMs']) &&
    isNumberArray(value['phases'], 5) &&
    typeof value['anomaly'] === 'boolean' &&
    (value['unusualPhase'] === undefined || isUnusualPhase(value['unusualPhase']))
  );
}

export function isReportRow(value: unknown): value is ReportRow {
  return (
    isObject(value) &&
    typeof value['targetId'] === 'string' &&
    typeof value['name'] === 'string' &&
    typeof value['url'] === 'string' &&
    isNumberOrNull(value['availability']) &&
    isNumberOrNull(value['avgMs']) &&
    isNumberOrNull(value['p95Ms']) &&
    isStringOrNull(value['location']) &&
    typeof value['anomalies'] === 'number' &&
    STATUSES.includes(value['lastStatus'] as string) &&
    isNumberOrNull(value['certDaysLeft'])
  );
}

/** Validates what the webview receives from the host (the webview trusts nothing it did not check). */
export function isHostToWebviewMessage(value: unknown): value is HostToWebviewMessage {
  if (!isObject(value)) return false;
  switch (value['type']) {
    case 'init':
      return (
        Array.isArray(value['targets']) &&
        value['targets'].every(isDashboardTarget) &&
        Array.isArray(value['states']) &&
        value['states'].every(isDashboardTargetState) &&
        isRangeName(value['range']) &&
        typeof value['now'] === 'number'
      );
    case 'targetsChanged':
      return (
        Array.isArray(value['targets']) &&
        value['targets'].every(isDashboardTarget) &&
        Array.isArray(value['states']) &&
        value['states'].every(isDashboardTargetState)
      );
    case 'series':
      return isRequestId(value['requestId']) && Array.isArray(value['series']) && value['series'].every(isSeriesColumns);
    case 'checkAdded':
      return isLiveCheck(value['check']);
    case 'stateChanged':
      return isDashboardTargetState(value['state']);
    case 'report':
      return (
        isRequestId(value['requestId']) && isRangeName(value['range']) && Array.isArray(value['rows']) && value['rows'].every(isReportRow)
      );
    case 'error':
      return typeof value['message'] === 'string' && (value['requestId'] === undefined || isRequestId(value['requestId']));
    default:
      return false;
  }
}
