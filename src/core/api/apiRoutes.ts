/**
 * The API's endpoints: which paths exist, which methods they take, who may call them, and the
 * JSON (or Prometheus text) each one answers with. The server around it does the transport:
 * Host and token checks, body and time limits, error mapping.
 */
import { version } from '../../../package.json';
import type { ExportedCheck } from '../store/historyExport';
import { type HistoryReader, type Incident, latestChecks, type LatencyStats, type StoredTarget } from '../store/historyStore';
import { parseTargetSpec, type Target } from '../targets/target';
import { reportToCsv } from '../../shared/reportExport';
import { buildReportRows } from '../report/reportRows';
import type { ApiDataSource } from './apiDataSource';
import { ApiError } from './apiErrors';
import {
  checkView,
  currentStatusView,
  iso,
  locationView,
  ms,
  newestCheck,
  percent,
  seriesPointView,
  statsView,
  type CurrentStatusView,
  type StatsView,
} from './apiViews';
import { IDENTIFY_SERVICE, isValidNonce } from './identityChallenge';
import openApiDocument from './openapi.json';
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from './prometheusExposition';
import { DAY_MS, parseChoice, parseFraction, parseInteger, parseRange, parseWindow, WINDOWS, type WindowName } from './queryParams';
import { computeStats, type TargetWindowStats, WindowStatsCache } from './windowStats';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Who may call a route: token holders only, anyone when unauthenticated scraping is allowed
 * (metrics), or anyone (public: the identity challenge, which reveals nothing without the token).
 */
export type RouteAccess = 'token' | 'metrics' | 'public';

export interface RouteRequest {
  params: URLSearchParams;
  /** Decoded path segments captured by the route's pattern. */
  captures: readonly string[];
}

export interface RouteResponse {
  status: number;
  contentType: string;
  body: string;
}

type Handler = (request: RouteRequest) => RouteResponse | Promise<RouteResponse>;

interface Route {
  pattern: RegExp;
  access: RouteAccess;
  methods: Readonly<Partial<Record<'GET' | 'POST', Handler>>>;
}

export interface RouteMatch {
  access: RouteAccess;
  /** The handler for the method, or undefined: then `allow` lists the methods the path takes. */
  handler: Handler | undefined;
  allow: string[];
  captures: string[];
}

export interface ApiRouterOptions {
  /** How long a computed /api/status answer is reused (default 1 s); 0 computes it for every request. */
  statusCacheMs?: number;
  /** How long per-window statistics are reused (defaults in `DEFAULT_STATS_CACHE_MS`); 0 recomputes them. */
  statsCacheMs?: Partial<Record<WindowName, number>>;
  /** The proof for an identity challenge's nonce (identityChallenge.ts), or undefined without a token. */
  proveIdentity?: (nonce: string) => string | undefined;
}

const NO_LATENCY: LatencyStats = { count: 0, min: null, avg: null, p95: null, max: null };
const MAX_POINTS = 10_000;
const MAX_ANOMALIES = 10_000;
const RESOLUTIONS = ['auto', 'raw', 'minute', 'hour', 'day'] as const;
const RESOLUTION_MS = { minute: 60_000, hour: 3_600_000, day: DAY_MS } as const;

export class ApiRouter {
  private readonly routes: Route[];
  private readonly statusCacheMs: number;
  private readonly statusCache = new Map<WindowName, { body: string; at: number }>();
  private readonly stats: WindowStatsCache;
  private readonly proveIdentity: ((nonce: string) => string | undefined) | undefined;

  constructor(
    private readonly source: ApiDataSource,
    options: ApiRouterOptions = {},
  ) {
    this.proveIdentity = options.proveIdentity;
    this.statusCacheMs = options.statusCacheMs ?? 1_000;
    this.stats = new WindowStatsCache(source, options.statsCacheMs);
    this.routes = [
      { pattern: /^\/api\/health$/, access: 'token', methods: { GET: () => this.health() } },
      { pattern: /^\/api\/identify$/, access: 'public', methods: { GET: (r) => this.identify(r) } },
      { pattern: /^\/api\/status$/, access: 'token', methods: { GET: (r) => this.status(r) } },
      { pattern: /^\/api\/targets$/, access: 'token', methods: { GET: () => this.targetList() } },
      { pattern: /^\/api\/targets\/([^/]+)\/check$/, access: 'token', methods: { POST: (r) => this.checkNow(r) } },
      { pattern: /^\/api\/history\/(.+)$/, access: 'token', methods: { GET: (r) => this.history(r) } },
      { pattern: /^\/api\/anomalies$/, access: 'token', methods: { GET: (r) => this.anomalies(r) } },
      { pattern: /^\/api\/report$/, access: 'token', methods: { GET: (r) => this.report(r) } },
      { pattern: /^\/api\/openapi\.json$/, access: 'token', methods: { GET: () => json(200, openApiDocument) } },
      { pattern: /^\/metrics$/, access: 'metrics', methods: { GET: () => this.metrics() } },
    ];
  }

  /**
   * Finds the route for a raw (still percent-encoded) path; undefined when no path matches.
   * Captures are decoded here, so a malformed escape is a 400, not a crash.
   */
  match(method: string, rawPath: string): RouteMatch | undefined {
    const path = rawPath.length > 1 && rawPath.endsWith('/') && !rawPath.startsWith('/api/history/') ? rawPath.slice(0, -1) : rawPath;
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      const captures = found.slice(1).map((capture) => decodeSegment(capture ?? ''));
      const allow = Object.keys(route.methods).flatMap((name) => (name === 'GET' ? ['GET', 'HEAD'] : [name]));
      const key = method === 'HEAD' ? 'GET' : method;
      const handler = Object.hasOwn(route.methods, key) ? route.methods[key as 'GET' | 'POST'] : undefined;
      return { access: route.access, handler, allow, captures };
    }
    return undefined;
  }

  /** Forgets computed answers, e.g. after a check-now changed them. */
  invalidate(): void {
    this.statusCache.clear();
    this.stats.clear();
  }

  // ---- Endpoints -------------------------------------------------------------------------------

  private health(): RouteResponse {
    const history = this.source.history();
    const writer = this.source.isWriter();
    const store = history && this.source.storeStatus();
    return json(200, {
      status: history ? 'ok' : 'starting',
      service: 'network-monitor',
      version,
      writer,
      pid: process.pid,
      targets: this.source.targets().length,
      store: store
        ? {
            read_only: store.readOnly,
            last_sequence: store.lastSequence,
            pending_writes: store.pendingWrites,
            write_error: store.writeError,
          }
        : null,
      message: writer
        ? 'This process runs the checks and writes the history.'
        : 'This VS Code window answers from the shared history; another Network Monitor window (or the CLI) runs the checks and writes it.',
    });
  }

  /** Answers an identity challenge: the proof that this server holds the token, and nothing else. */
  private identify(request: RouteRequest): RouteResponse {
    const nonces = request.params.getAll('nonce');
    const nonce = nonces.length === 1 ? nonces[0] : undefined;
    if (!isValidNonce(nonce)) {
      throw new ApiError('bad_request', 'Send exactly one nonce parameter of 64 lowercase hexadecimal characters (32 random bytes).');
    }
    const proof = this.proveIdentity?.(nonce);
    if (proof === undefined) throw new ApiError('unavailable', 'The API has no token yet, so it cannot prove who it is.');
    return json(200, { service: IDENTIFY_SERVICE, proof });
  }

  private async status(request: RouteRequest): Promise<RouteResponse> {
    const window = parseWindow(request.params.get('window'));
    const now = this.source.now();
    const cached = this.statusCache.get(window);
    if (cached && now - cached.at < this.statusCacheMs && now >= cached.at)
      return { status: 200, contentType: JSON_CONTENT_TYPE, body: cached.body };
    const body = JSON.stringify(await this.computeStatus(window));
    if (this.statusCacheMs > 0) this.statusCache.set(window, { body, at: now });
    return { status: 200, contentType: JSON_CONTENT_TYPE, body };
  }

  private async computeStatus(window: WindowName): Promise<Record<string, unknown>> {
    const stats = await this.stats.get(window, 'full');
    // Read after the statistics, which may have taken a few slices: the last checks are the newest.
    const now = this.source.now();
    const history = this.source.history();
    const targets = this.source.targets();
    const current: Record<string, CurrentStatusView> = {};
    const byUrl: Record<string, StatsView> = {};
    const latest = await latestChecks(history);
    for (const target of targets) {
      const record = latest.get(target.id);
      const state = this.source.state(target.id);
      current[target.url] = currentStatusView(target, state, newestCheck(record, state));
      const figures = stats.get(target.id);
      byUrl[target.url] = statsView(
        window,
        figures?.uptime ?? null,
        figures?.latency ?? NO_LATENCY,
        record?.location,
        figures?.anomalies ?? 0,
      );
    }
    return {
      targets: targets.map((target) => target.url),
      current_status: current,
      stats: byUrl,
      window,
      generated_at: iso(now),
      writer: this.source.isWriter(),
    };
  }

  private async targetList(): Promise<RouteResponse> {
    const history = this.source.history();
    const latest = await latestChecks(history);
    return json(200, {
      writer: this.source.isWriter(),
      targets: this.source.targets().map((target) => {
        const state = this.source.state(target.id);
        const check = newestCheck(latest.get(target.id), state);
        return {
          id: target.id,
          name: target.name,
          url: target.url,
          kind: target.kind,
          interval_ms: target.intervalMs,
          timeout_ms: target.timeoutMs,
          paused: state ? state.status === 'PAUSED' : target.paused,
          status: state?.status ?? (target.paused ? 'PAUSED' : (check?.status ?? 'UNKNOWN')),
          status_since: iso(state?.statusSince),
          consecutive_failures: state?.consecutiveFailures ?? null,
          checking: state?.checking ?? false,
          next_check_at: iso(state?.nextCheckAt),
          last_check_at: iso(check?.startedAt),
        };
      }),
    });
  }

  private async checkNow(request: RouteRequest): Promise<RouteResponse> {
    const id = request.captures[0] ?? '';
    const outcome = await this.source.checkNow(id);
    switch (outcome.kind) {
      case 'unknown-target':
        throw new ApiError('not_found', `No target has the id "${id}". GET /api/targets lists the ids.`);
      case 'not-writer':
        throw new ApiError(
          'conflict',
          'This window does not run the checks: another Network Monitor window (or the CLI) does. Send check-now requests to the API of that window, or close the other windows so this one takes over.',
        );
      case 'abandoned':
        throw new ApiError(
          'conflict',
          `The check of "${id}" was abandoned because the target was paused or removed, or monitoring stopped. Resume it and try again.`,
        );
      case 'checked':
      case 'checked-unrecorded': {
        this.invalidate();
        const target = this.source.targets().find((candidate) => candidate.id === id);
        return json(200, { id, url: outcome.result.target, name: target?.name ?? id, check: checkView(outcome.result) });
      }
    }
  }

  private async history(request: RouteRequest): Promise<RouteResponse> {
    const history = this.requireHistory();
    const target = await this.findTarget(history, request.captures[0] ?? '');
    const { params } = request;
    const now = this.source.now();
    const resolution = parseChoice('resolution', params.get('resolution'), RESOLUTIONS) ?? 'auto';
    const range = parseRange(params, now, DAY_MS);
    const limit = parseInteger('limit', params.get('limit'), 1, MAX_POINTS) ?? (resolution === 'raw' ? 1000 : 300);
    const head = { target: { id: target.id, name: target.name, url: target.url }, from: iso(range.from), to: iso(range.to) };
    if (resolution === 'raw') {
      const { checks, truncated } = await history.checks(target.id, range, limit);
      return json(200, { ...head, resolution: 'raw', truncated, points: checks.map(exportedCheckView) });
    }
    const span = range.to - range.from;
    const maxPoints = resolution === 'auto' ? limit : Math.max(1, Math.min(limit, Math.ceil(span / RESOLUTION_MS[resolution])));
    const series = await history.series(target.id, { ...range, maxPoints });
    return json(200, { ...head, resolution: series.source, truncated: false, points: series.points.map(seriesPointView) });
  }

  private async anomalies(request: RouteRequest): Promise<RouteResponse> {
    const history = this.requireHistory();
    const { params } = request;
    const range = parseRange(params, this.source.now(), DAY_MS);
    const minScore = parseFraction('min_score', params.get('min_score')) ?? this.source.anomalyThreshold();
    const limit = parseInteger('limit', params.get('limit'), 1, MAX_ANOMALIES) ?? 1000;
    const only = params.get('target');
    const wanted = only ? (await this.findTarget(history, only)).id : undefined;
    const names = new Map<string, { url: string; name: string }>((await history.targets()).map((t) => [t.id, t]));
    for (const target of this.source.targets()) names.set(target.id, target);
    const hits = (await history.anomalies(range, minScore, wanted ? MAX_ANOMALIES : limit))
      .filter((hit) => !wanted || hit.targetId === wanted)
      .slice(0, limit);
    return json(200, {
      from: iso(range.from),
      to: iso(range.to),
      min_score: minScore,
      anomalies: hits.map((hit) => ({
        id: hit.targetId,
        url: names.get(hit.targetId)?.url ?? null,
        name: names.get(hit.targetId)?.name ?? null,
        timestamp: iso(hit.startedAt),
        timestamp_ms: hit.startedAt,
        score: hit.score,
        status: hit.status,
        response_time: ms(hit.totalMs),
      })),
    });
  }

  private async report(request: RouteRequest): Promise<RouteResponse> {
    this.requireHistory();
    const { params } = request;
    const now = this.source.now();
    const range = parseRange(params, now, DAY_MS);
    const format = parseChoice('format', params.get('format'), ['json', 'csv'] as const) ?? 'json';
    const stats = await computeStats(this.source, range, 'full');
    const history = this.requireHistory();
    const incidents = groupBy(await history.incidents(undefined, range), (incident) => incident.targetId);
    const targets = this.source.targets();
    const latest = await latestChecks(history);
    const subjects = targets.map((target) => {
      const state = this.source.state(target.id);
      const record = latest.get(target.id);
      const check = newestCheck(record, state);
      return {
        target,
        status: state?.status ?? (target.paused ? 'PAUSED' : (check?.status ?? 'UNKNOWN')),
        location: record?.location,
        certDaysLeft: check?.tls?.daysLeft ?? null,
      };
    });
    // The figures were computed in slices above; the rows are the report's, as everywhere else.
    const figures = new Map(
      targets.map((target) => {
        const figure = stats.get(target.id);
        return [target.id, figure && { availability: figure.uptime, latency: figure.latency ?? NO_LATENCY, anomalies: figure.anomalies }];
      }),
    );
    const rows = await buildReportRows(history, subjects, range, { anomalyThreshold: this.source.anomalyThreshold(), figures });
    if (format === 'csv') return { status: 200, contentType: 'text/csv; charset=utf-8', body: reportToCsv(rows) };
    return json(200, {
      from: iso(range.from),
      to: iso(range.to),
      generated_at: iso(now),
      targets: rows.map((row, i) => {
        const latency = stats.get(row.targetId)?.latency ?? NO_LATENCY;
        const targetIncidents = incidents.get(row.targetId) ?? [];
        return {
          id: row.targetId,
          name: row.name,
          url: row.url,
          status: row.lastStatus,
          availability: percent(row.availability),
          mean_response: ms(row.avgMs),
          min_response: ms(latency.min),
          max_response: ms(latency.max),
          p95_response: ms(row.p95Ms),
          anomalies: row.anomalies,
          incidents: targetIncidents.length,
          downtime_ms: downtimeMs(targetIncidents, range),
          last_location: locationView(subjects[i]!.location),
          cert_days_left: row.certDaysLeft,
        };
      }),
    });
  }

  private async metrics(): Promise<RouteResponse> {
    const uptime = new Map<WindowName, ReadonlyMap<string, TargetWindowStats>>();
    for (const window of Object.keys(WINDOWS) as WindowName[]) uptime.set(window, await this.stats.get(window, 'uptime'));
    return { status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: await renderMetrics(this.source, uptime) };
  }

  // ---- Helpers ---------------------------------------------------------------------------------

  private requireHistory(): HistoryReader {
    const history = this.source.history();
    if (!history) throw new ApiError('unavailable', 'The history is still loading. Try again in a few seconds.', { 'Retry-After': '2' });
    return history;
  }

  /** A target by id, by its exact URL, or by what the URL normalises to; removed targets keep their history. */
  private async findTarget(history: HistoryReader, key: string): Promise<Pick<StoredTarget, 'id' | 'url' | 'name'>> {
    const configured = this.source.targets();
    const stored = await history.targets();
    const byKey = (candidate: Pick<Target, 'id' | 'url'>): boolean => candidate.id === key || candidate.url === key;
    const found = configured.find(byKey) ?? stored.find(byKey);
    if (found) return found;
    const parsed = parseTargetSpec(key);
    if (parsed.ok) {
      const normalised = parsed.value.url;
      const byUrl = configured.find((t) => t.url === normalised) ?? stored.find((t) => t.url === normalised);
      if (byUrl) return byUrl;
    }
    throw new ApiError(
      'not_found',
      `No target has the id or URL "${clip(key)}". GET /api/targets lists them; URL-encode a URL in the path.`,
    );
  }
}

function exportedCheckView(check: ExportedCheck): Record<string, unknown> {
  return checkView({ ...check, addresses: check.address === null ? [] : [check.address] });
}

export function json(status: number, value: unknown): RouteResponse {
  return { status, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(value) };
}

function decodeSegment(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ApiError('bad_request', 'The path has a malformed percent-escape. URL-encode target URLs with encodeURIComponent.');
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** Time within the range spent in incidents that went DOWN (a degraded-only one is still available, as in uptime). */
function downtimeMs(incidents: readonly Incident[], range: { from: number; to: number }): number {
  return incidents
    .filter((incident) => incident.worst === 'DOWN')
    .reduce(
      (sum, incident) => sum + Math.max(0, Math.min(incident.endedAt ?? range.to, range.to) - Math.max(incident.startedAt, range.from)),
      0,
    );
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}
