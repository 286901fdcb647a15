/**
 * The JSON the API answers with. Keys are snake_case, as in the seed's Flask API, so scripts
 * written for it keep working; times are ISO 8601 strings plus `_ms` epoch numbers where a script
 * would compute with them, durations are milliseconds.
 */
import type { GeoLocation } from '../../shared/geoLocation';
import { placeName } from '../../shared/geoLocation';
import type { CheckResult, PhaseTimings } from '../probes/checkResult';
import type { TargetState } from '../scheduler/monitorEvent';
import type { CheckRecord } from '../store/checkRecord';
import type { LatencyStats, SeriesPoint } from '../store/historyStore';
import type { Target } from '../targets/target';

export interface LocationView {
  country: string | null;
  country_code: string | null;
  city: string | null;
  isp: string | null;
  asn: number | null;
  lat: number | null;
  lon: number | null;
  local: boolean;
}

export interface PhasesView {
  dns: number;
  connect: number;
  tls: number;
  first_byte: number;
  transfer: number;
}

export interface CurrentStatusView {
  id: string;
  name: string;
  status: 'UNKNOWN' | 'UP' | 'DEGRADED' | 'DOWN' | 'PAUSED';
  status_code: number | null;
  response_time: number | null;
  timestamp: string | null;
  location: LocationView | null;
  anomaly_score: number | null;
  reason: string | null;
  message: string | null;
  phases: PhasesView | null;
  cert_expires_at: string | null;
  consecutive_failures: number | null;
}

export interface StatsView {
  window: string;
  availability: number | null;
  mean_response: number | null;
  min_response: number | null;
  max_response: number | null;
  p95_response: number | null;
  last_location: LocationView | null;
  anomalies: number;
}

/** Milliseconds to three decimals (microseconds): the probes measure no finer. */
export function ms(value: number | null | undefined): number | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : Math.round(value * 1000) / 1000;
}

/** A share (0..1) as a percentage with three decimals, as the seed reported availability. */
export function percent(share: number | null): number | null {
  return share === null ? null : Math.round(share * 100_000) / 1000;
}

export function iso(epochMs: number | null | undefined): string | null {
  return epochMs === null || epochMs === undefined || !Number.isFinite(epochMs) ? null : new Date(epochMs).toISOString();
}

export function locationView(location: GeoLocation | null | undefined): LocationView | null {
  if (!location) return null;
  return {
    country: location.country,
    country_code: location.countryCode,
    city: location.city,
    isp: location.isp,
    asn: location.asn,
    lat: location.lat,
    lon: location.lon,
    local: location.local,
  };
}

/** One line for a CSV cell: the shared rule (geoLocation.ts). */
export const locationLine = placeName;

export function phasesView(phases: PhaseTimings): PhasesView {
  return {
    dns: ms(phases.dns) ?? 0,
    connect: ms(phases.connect) ?? 0,
    tls: ms(phases.tls) ?? 0,
    first_byte: ms(phases.firstByte) ?? 0,
    transfer: ms(phases.transfer) ?? 0,
  };
}

/**
 * The newest check: the store's record when it is at least as new as the scheduler's (it adds the
 * anomaly score and the location), else the scheduler's result still on its way to the store.
 */
export function newestCheck(record: CheckRecord | undefined, state: TargetState | undefined): CheckRecord | CheckResult | undefined {
  const live = state?.lastResult ?? undefined;
  if (!record) return live;
  if (live && live.startedAt > record.startedAt) return live;
  return record;
}

export function currentStatusView(
  target: Target,
  state: TargetState | undefined,
  check: CheckRecord | CheckResult | undefined,
): CurrentStatusView {
  const record = check && 'anomalyScore' in check ? check : undefined;
  const status = state?.status ?? (target.paused ? 'PAUSED' : (check?.status ?? 'UNKNOWN'));
  return {
    id: target.id,
    name: target.name,
    status,
    status_code: check?.statusCode ?? null,
    response_time: check ? ms(check.totalMs) : null,
    timestamp: iso(check?.startedAt),
    location: locationView(record?.location),
    anomaly_score: record?.anomalyScore ?? null,
    reason: check?.reason ?? null,
    message: check?.message ?? null,
    phases: check ? phasesView(check.phases) : null,
    cert_expires_at: check?.tls ? iso(Date.parse(check.tls.validTo)) : null,
    consecutive_failures: state?.consecutiveFailures ?? null,
  };
}

export function statsView(
  window: string,
  uptime: number | null,
  latency: LatencyStats,
  lastLocation: GeoLocation | null | undefined,
  anomalies: number,
): StatsView {
  return {
    window,
    availability: percent(uptime),
    mean_response: ms(latency.avg),
    min_response: ms(latency.min),
    max_response: ms(latency.max),
    p95_response: ms(latency.p95),
    last_location: locationView(lastLocation),
    anomalies,
  };
}

/** What a check view shows: a live result, a stored record, or a row of the history export. */
export type CheckViewInput = Pick<CheckResult, 'startedAt' | 'status' | 'statusCode' | 'totalMs' | 'message' | 'phases' | 'addresses'> & {
  reason: string | null;
  anomalyScore?: CheckRecord['anomalyScore'];
  location?: CheckRecord['location'];
};

export function checkView(check: CheckViewInput): Record<string, unknown> {
  return {
    timestamp: iso(check.startedAt),
    timestamp_ms: check.startedAt,
    status: check.status,
    status_code: check.statusCode,
    response_time: ms(check.totalMs),
    reason: check.reason,
    message: check.message,
    phases: phasesView(check.phases),
    address: check.addresses[0] ?? null,
    anomaly_score: check.anomalyScore ?? null,
    location: locationView(check.location),
  };
}

export function seriesPointView(point: SeriesPoint): Record<string, unknown> {
  return {
    timestamp: iso(point.time),
    timestamp_ms: point.time,
    width_ms: point.widthMs,
    checks: point.count,
    up: point.up,
    degraded: point.degraded,
    down: point.down,
    availability: point.count === 0 ? null : percent((point.up + point.degraded) / point.count),
    mean_response: ms(point.avg),
    min_response: ms(point.min),
    max_response: ms(point.max),
    p95_response: ms(point.p95),
    anomaly_max: point.anomalyMax,
    phases: point.phases ? phasesView({ ...point.phases }) : null,
  };
}
