/**
 * `/metrics` in the Prometheus text exposition format 0.0.4, under the Prometheus blackbox
 * exporter's metric names so dashboards built for it work unchanged. Every target series carries
 * `target` (the URL, as blackbox dashboards expect), `name` and `id` labels.
 */
import { version } from '../../../package.json';
import type { CheckRecord } from '../store/checkRecord';
import type { Target } from '../targets/target';
import { latestChecks } from '../store/historyStore';
import type { ApiDataSource } from './apiDataSource';
import { newestCheck } from './apiViews';
import { WINDOWS, type WindowName } from './queryParams';
import type { TargetWindowStats } from './windowStats';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type MetricType = 'gauge' | 'counter';
type Labels = Readonly<Record<string, string>>;

/** Backslash, double quote and line feed are the only characters a label value must escape. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Collects samples by metric family, so each family is written once with its HELP and TYPE. */
export class ExpositionBuilder {
  private readonly families = new Map<string, { help: string; type: MetricType; lines: string[] }>();

  add(name: string, help: string, type: MetricType, labels: Labels, value: number): void {
    let family = this.families.get(name);
    if (!family) {
      family = { help, type, lines: [] };
      this.families.set(name, family);
    }
    const pairs = Object.entries(labels).map(([key, text]) => `${key}="${escapeLabelValue(text)}"`);
    family.lines.push(`${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`);
  }

  toString(): string {
    const out: string[] = [];
    for (const [name, family] of this.families) {
      out.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`, ...family.lines);
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }
}

/** blackbox_exporter's phase names for `probe_http_duration_seconds`, mapped to ours. */
const HTTP_PHASES = [
  ['resolve', 'dns'],
  ['connect', 'connect'],
  ['tls', 'tls'],
  ['processing', 'firstByte'],
  ['transfer', 'transfer'],
] as const;

/** Uptime of each target (by id) over each window, as `WindowStatsCache` computes it. */
export type UptimeByWindow = ReadonlyMap<WindowName, ReadonlyMap<string, TargetWindowStats>>;

export async function renderMetrics(source: ApiDataSource, uptime: UptimeByWindow): Promise<string> {
  const out = new ExpositionBuilder();
  const history = source.history();
  const targets = source.targets();
  out.add('networkmonitor_info', 'Network Monitor version; always 1.', 'gauge', { version }, 1);
  out.add(
    'networkmonitor_writer',
    'Whether this process runs the checks (1) or only reads the shared history (0).',
    'gauge',
    {},
    source.isWriter() ? 1 : 0,
  );
  out.add('networkmonitor_targets', 'Targets configured.', 'gauge', {}, targets.length);
  out.add(
    'networkmonitor_anomaly_threshold',
    'Anomaly score at or above which a check counts as an anomaly.',
    'gauge',
    {},
    source.anomalyThreshold(),
  );
  const latest = await latestChecks(history);
  for (const target of targets) addTarget(out, source, uptime, target, latest.get(target.id));
  return out.toString();
}

function addTarget(
  out: ExpositionBuilder,
  source: ApiDataSource,
  uptime: UptimeByWindow,
  target: Target,
  record: CheckRecord | undefined,
): void {
  const labels = { target: target.url, name: target.name, id: target.id };
  const state = source.state(target.id);
  const check = newestCheck(record, state);
  if (check) {
    out.add(
      'probe_success',
      'Whether the last check succeeded (1) or failed (0); a slow but correct answer counts as success.',
      'gauge',
      labels,
      check.status === 'DOWN' ? 0 : 1,
    );
    out.add('probe_duration_seconds', 'How long the last check took, in seconds.', 'gauge', labels, check.totalMs / 1000);
    out.add(
      'probe_dns_lookup_time_seconds',
      'Time the last check spent resolving the host name, in seconds.',
      'gauge',
      labels,
      check.phases.dns / 1000,
    );
    if (target.kind === 'http') {
      out.add(
        'probe_http_status_code',
        'HTTP status code of the last check; 0 when no response came.',
        'gauge',
        labels,
        check.statusCode ?? 0,
      );
      for (const [phase, key] of HTTP_PHASES) {
        out.add(
          'probe_http_duration_seconds',
          'Duration of each phase of the last HTTP check, in seconds.',
          'gauge',
          { ...labels, phase },
          check.phases[key] / 1000,
        );
      }
    }
    const expiry = check.tls ? Date.parse(check.tls.validTo) : NaN;
    if (Number.isFinite(expiry)) {
      out.add(
        'probe_ssl_earliest_cert_expiry',
        'When the server certificate expires, in unix seconds.',
        'gauge',
        labels,
        Math.floor(expiry / 1000),
      );
    }
    out.add(
      'networkmonitor_last_check_timestamp_seconds',
      'When the last check started, in unix seconds.',
      'gauge',
      labels,
      check.startedAt / 1000,
    );
    const score = 'anomalyScore' in check ? check.anomalyScore : null;
    if (score !== null)
      out.add(
        'networkmonitor_anomaly_score',
        'Anomaly score of the last check, 0 to 1; the alert threshold is networkmonitor_anomaly_threshold.',
        'gauge',
        labels,
        score,
      );
  }
  out.add(
    'networkmonitor_target_paused',
    'Whether the target is paused (1) or checked (0).',
    'gauge',
    labels,
    (state?.status ?? (target.paused ? 'PAUSED' : '')) === 'PAUSED' ? 1 : 0,
  );
  for (const window of Object.keys(WINDOWS) as WindowName[]) {
    const ratio = uptime.get(window)?.get(target.id)?.uptime ?? null;
    if (ratio !== null)
      out.add(
        'networkmonitor_uptime_ratio',
        'Share of checks that were up or degraded over the window, 0 to 1.',
        'gauge',
        { ...labels, window },
        ratio,
      );
  }
}
