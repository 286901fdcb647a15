/**
 * The target model: what a user types (a URL, `host:port`, `dns://name`) or writes in settings,
 * validated once and normalised into a `Target` the probes and the scheduler use.
 */
import { createHash } from 'node:crypto';
import { RE2JS } from 're2js';
import { parseMaintenanceWindows, parseSnoozeUntil, type QuietPeriods } from './maintenance';

export type TargetKind = 'http' | 'tcp' | 'dns';

/** A target as written in settings (`networkMonitor.targets`): a URL string or an object. */
export type TargetEntry = string | TargetEntryObject;

export interface TargetEntryObject {
  url: string;
  id?: string;
  name?: string;
  /** Seconds between checks. */
  interval?: number;
  /** Milliseconds for the whole check, body included. */
  timeout?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Accepted status codes, e.g. `"200-299,401"`. */
  expectStatus?: string;
  /** A substring, or a regular expression written as `/pattern/flags`. */
  bodyContains?: string;
  bodyNotContains?: string;
  /** A dotted path into a JSON body, e.g. `$.status` or `data.items[0].state`. */
  jsonPath?: string;
  /** The value `jsonPath` must have. */
  equals?: unknown;
  /** Slower than this many milliseconds makes the check `DEGRADED`. */
  latencyBudgetMs?: number;
  /** Verify the certificate chain and host name (default true). */
  tlsVerify?: boolean;
  /** A PEM file of certificate authorities to trust for this target, besides the usual ones (absolute or `~/`). */
  ca?: string;
  paused?: boolean;
  /** Snoozed until then (ISO date-time or epoch ms): checked, recorded as maintenance, not alerted on. */
  snoozeUntil?: string | number;
  /** Weekly maintenance windows in local time, e.g. `[{ "days": ["sun"], "from": "02:00", "to": "04:00" }]`. */
  maintenance?: { days?: string[]; from: string; to: string }[];
}

/** Defaults that apply when an entry does not say otherwise. */
export interface TargetDefaults {
  intervalMs: number;
  timeoutMs: number;
  maxBodyBytes: number;
}

export const DEFAULT_TARGET_DEFAULTS: TargetDefaults = {
  intervalMs: 60_000,
  timeoutMs: 10_000,
  maxBodyBytes: 1024 * 1024,
};

export const DEFAULT_EXPECT_STATUS = '200-399';

/**
 * The longest timeout a check may have. A check holds one of the scheduler's slots until it
 * ends, so an unbounded timeout (a typo, or a repository's settings) could hold it for good.
 */
export const MAX_TIMEOUT_MS = 120_000;

export interface Target {
  /** Stable id: the entry's `id`, or a short hash of the normalised URL. */
  id: string;
  kind: TargetKind;
  /** Normalised: `https://host/path`, `http://...`, `tcp://host:port`, `dns://name`. */
  url: string;
  /** Host name or IP literal (without IPv6 brackets). */
  host: string;
  /** Port to connect to (tcp and http); 0 for dns. */
  port: number;
  name: string;
  intervalMs: number;
  timeoutMs: number;
  paused: boolean;
  /** A snooze and weekly maintenance windows (maintenance.ts): checked, not alerted on. */
  quiet: QuietPeriods;
  /**
   * Refuse link-local and cloud metadata addresses (networkPolicy.ts): set for targets from
   * workspace or folder settings, which a cloned repository can write.
   */
  blockLinkLocal: boolean;
  /**
   * Refuse a write request (not GET or HEAD, or with a body) to loopback and private addresses
   * (privateAddresses.ts): set for unapproved writes from workspace or folder settings.
   */
  writesNeedPublicAddress: boolean;
  http: HttpOptions | null;
}

export interface HttpOptions {
  method: string;
  headers: Record<string, string>;
  /** Lower-case names of the headers whose values came from Secret Storage: dropped on a redirect to another origin. */
  secretHeaderNames: string[];
  /** The values those headers took from Secret Storage (or the command line): hidden in every message a check produces. */
  secretValues: string[];
  body: string | undefined;
  expectStatus: StatusRange[];
  bodyContains: TextMatcher | undefined;
  bodyNotContains: TextMatcher | undefined;
  jsonPath: string | undefined;
  equals: unknown;
  latencyBudgetMs: number | undefined;
  tlsVerify: boolean;
  /** The entry's `ca`: more authorities to trust for this target. */
  caFile: string | undefined;
  /** At most this many body bytes are read for assertions; the connection is closed past it. */
  maxBodyBytes: number;
}

export interface StatusRange {
  from: number;
  to: number;
}

/** A substring or a regular expression, with the text the user wrote (for messages). */
export interface TextMatcher {
  source: string;
  test(text: string): boolean;
}

/** What a typed spec means: its kind and normalised form. */
export interface ParsedSpec {
  kind: TargetKind;
  url: string;
  host: string;
  port: number;
  /** True when the user typed no scheme and `https://` was assumed (the UI says so). */
  assumedHttps: boolean;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export const ACCEPTED_FORMS =
  'Accepted: https://host/path, http://host/path, a bare host name (checked over HTTPS), host:port or tcp://host:port (TCP connect), dns://name (DNS resolution).';

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpLiteral(host: string): boolean {
  return IPV4.test(host) || (host.includes(':') && isValidIpv6(host));
}

function isValidIpv6(host: string): boolean {
  try {
    return new URL(`http://[${host}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

function isValidHost(host: string): boolean {
  return IPV4.test(host) || HOST_NAME.test(host) || isValidIpv6(host);
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** Splits `host:port` or `[v6]:port`. */
function splitHostPort(text: string): { host: string; port: string } | undefined {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2]! };
  const plain = /^([^:/\s]+):(\d+)$/.exec(text);
  if (plain) return { host: plain[1]!, port: plain[2]! };
  return undefined;
}

/**
 * Parses what a user types into a target spec. Returns a message that names the problem and lists
 * the accepted forms when the input is not one of them.
 */
export function parseTargetSpec(input: string): ParseResult<ParsedSpec> {
  const text = input.trim();
  if (text === '') return { ok: false, error: `Enter a URL or host. ${ACCEPTED_FORMS}` };
  if (/\s/.test(text)) return { ok: false, error: `"${text}" contains spaces. ${ACCEPTED_FORMS}` };

  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return parseHttpUrl(text, false);
  if (scheme === 'tcp') {
    const rest = text.slice('tcp://'.length).replace(/\/$/, '');
    return parseTcp(rest, text);
  }
  if (scheme === 'dns') {
    const name = text.slice('dns://'.length).replace(/\/$/, '').toLowerCase();
    if (!HOST_NAME.test(name) || IPV4.test(name)) {
      return { ok: false, error: `"${name}" is not a valid DNS name for a dns:// check.` };
    }
    return { ok: true, value: { kind: 'dns', url: `dns://${name}`, host: name, port: 0, assumedHttps: false } };
  }
  if (scheme !== undefined) {
    const hint =
      scheme === 'icmp' || scheme === 'ping'
        ? ' ICMP ping needs raw sockets, which an editor extension does not have; use tcp://host:port instead.'
        : '';
    return { ok: false, error: `Unsupported scheme "${scheme}://".${hint} ${ACCEPTED_FORMS}` };
  }
  const hostPort = splitHostPort(text);
  if (hostPort) return parseTcp(text, text);
  // A bare host, maybe with a path: taken as HTTPS.
  return parseHttpUrl(`https://${text}`, true);
}

function parseTcp(hostPortText: string, original: string): ParseResult<ParsedSpec> {
  const parts = splitHostPort(hostPortText);
  if (!parts) return { ok: false, error: `"${original}" needs a host and a port, like tcp://db.example.com:5432.` };
  const port = parsePort(parts.port);
  if (port === undefined) return { ok: false, error: `Port "${parts.port}" is not a number from 1 to 65535.` };
  const host = parts.host.toLowerCase();
  if (!isValidHost(host)) return { ok: false, error: `"${parts.host}" is not a valid host name or IP address.` };
  const shown = host.includes(':') ? `[${host}]` : host;
  return { ok: true, value: { kind: 'tcp', url: `tcp://${shown}:${port}`, host, port, assumedHttps: false } };
}

function parseHttpUrl(text: string, assumedHttps: boolean): ParseResult<ParsedSpec> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, error: `"${text}" is not a valid URL. ${ACCEPTED_FORMS}` };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host || !isValidHost(host)) {
    return { ok: false, error: `"${url.hostname || text}" is not a valid host name or IP address.` };
  }
  if (url.username || url.password) {
    return { ok: false, error: 'Put credentials in a header (kept in Secret Storage), not in the URL.' };
  }
  url.hash = '';
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { ok: true, value: { kind: 'http', url: url.toString(), host, port, assumedHttps } };
}

/** Parses `"200-299,401"` into ranges. */
export function parseStatusRanges(text: string): ParseResult<StatusRange[]> {
  const ranges: StatusRange[] = [];
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(part);
    if (!match) return { ok: false, error: `"${part}" in expectStatus is not a status code or a range like 200-299.` };
    const from = Number(match[1]);
    const to = Number(match[2] ?? match[1]);
    if (from < 100 || to > 599 || from > to) {
      return { ok: false, error: `"${part}" in expectStatus is not a range of status codes between 100 and 599.` };
    }
    ranges.push({ from, to });
  }
  if (ranges.length === 0) return { ok: false, error: 'expectStatus is empty; write codes like 200-299,401.' };
  return { ok: true, value: ranges };
}

export function statusAccepted(code: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((r) => code >= r.from && code <= r.to);
}

/**
 * `/pattern/flags` is a regular expression; anything else is a plain substring. Expressions run
 * on RE2 (re2js), which matches in time linear in the body: a backtracking engine can be made to
 * run for hours by a pattern like `/(a+)+$/` on the wrong body, and these patterns come from
 * settings, which a repository can write, while the body comes from the server.
 */
export function parseTextMatcher(source: string): ParseResult<TextMatcher> {
  const regex = /^\/(.+)\/([dgimsuvy]*)$/s.exec(source);
  if (!regex) return { ok: true, value: { source, test: (text) => text.includes(source) } };
  const flags = regex[2]!;
  const re2Flags =
    (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) |
    (flags.includes('m') ? RE2JS.MULTILINE : 0) |
    (flags.includes('s') ? RE2JS.DOTALL : 0);
  try {
    const pattern = RE2JS.compile(regex[1]!, re2Flags);
    return { ok: true, value: { source, test: (text) => pattern.matcher(text).find() } };
  } catch (error) {
    const detail = (error as Error).message;
    return {
      ok: false,
      error: `${source} is not a regular expression this monitor can run (${detail}). Back-references and look-arounds are not supported, because matching must finish in linear time; use a plain substring or a simpler pattern.`,
    };
  }
}

export function targetIdFor(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 12);
}

/** `${secret:NAME}` in a header value: filled from the editor's Secret Storage. */
export const SECRET_REFERENCE = /\$\{secret:([\w.-]+)\}/g;

/** The secret names an entry's header values refer to. */
export function secretNamesIn(entry: TargetEntry): string[] {
  if (typeof entry !== 'object' || entry === null || typeof entry.headers !== 'object' || entry.headers === null) return [];
  const names = new Set<string>();
  for (const value of Object.values(entry.headers)) {
    if (typeof value !== 'string') continue;
    for (const match of value.matchAll(SECRET_REFERENCE)) names.add(match[1]!);
  }
  return [...names];
}

/** Lower-case names of the headers whose values refer to a secret. */
export function secretHeadersIn(entry: TargetEntry): string[] {
  if (typeof entry !== 'object' || entry === null || typeof entry.headers !== 'object' || entry.headers === null) return [];
  return Object.entries(entry.headers)
    .filter(([, value]) => typeof value === 'string' && new RegExp(SECRET_REFERENCE.source).test(value))
    .map(([name]) => name.toLowerCase());
}

/** Why a value read from a settings list cannot be an entry at all, or undefined when it can. */
export function entryShapeError(raw: unknown): string | undefined {
  if (typeof raw === 'string' || (typeof raw === 'object' && raw !== null && !Array.isArray(raw))) return undefined;
  return 'an entry must be a URL string or an object with a "url".';
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

export function isValidHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

/**
 * Headers that name the host a request is for. The connection goes to the URL's host, so one of
 * these would send a request (and any secret bound to that origin) to another virtual host behind
 * the same address, or have a proxy in front of it route it elsewhere. The host always comes from
 * the URL, for every entry: a mismatch surprises whoever reads the entry, and a secret's binding
 * to an origin means nothing if the origin can be rewritten in a header.
 */
const ROUTING_HEADERS = new Set(['host', 'forwarded', 'x-forwarded-host']);

/** Why this header name may not be set by an entry or on the command line, or undefined when it may. */
export function forbiddenHeaderProblem(name: string): string | undefined {
  if (name.startsWith(':'))
    return `"${name}" is an HTTP/2 pseudo-header, which the monitor sets itself from the URL; put the host in the URL instead.`;
  if (ROUTING_HEADERS.has(name.toLowerCase()))
    return `The header "${name}" may not be set: the host a request is for always comes from the URL, so a header cannot send it (and any secret with it) to another host behind the same address. Put the host in the URL instead.`;
  return undefined;
}

/** Parses `Name: value` as typed on a command line (curl's form); the name comes back lower-case. */
export function parseHeaderLine(text: string): ParseResult<{ name: string; value: string }> {
  const colon = text.indexOf(':');
  if (colon < 0) return { ok: false, error: `"${text}" is not a header; write it as 'Name: value'.` };
  const name = text.slice(0, colon).trim();
  const value = text.slice(colon + 1).trim();
  const forbidden = forbiddenHeaderProblem(name);
  if (forbidden !== undefined) return { ok: false, error: forbidden };
  if (!isValidHeaderName(name)) return { ok: false, error: `"${name}" is not a valid header name (in "${text}").` };
  if (/[\r\n\0]/.test(value))
    return { ok: false, error: `The value of header "${name}" contains a line break or NUL, which HTTP does not allow.` };
  return { ok: true, value: { name: name.toLowerCase(), value } };
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Validates one settings entry and builds the `Target`. A broken entry yields an error that says
 * which field is wrong; the caller reports it with the entry's position and skips it.
 */
export function resolveTarget(entry: TargetEntry, defaults: TargetDefaults = DEFAULT_TARGET_DEFAULTS): ParseResult<Target> {
  const object: TargetEntryObject | undefined = typeof entry === 'string' ? undefined : entry;
  const urlText = typeof entry === 'string' ? entry : entry?.url;
  if (typeof urlText !== 'string') return { ok: false, error: 'The entry has no "url" string.' };
  const spec = parseTargetSpec(urlText);
  if (!spec.ok) return spec;
  const { kind, url, host, port } = spec.value;

  const interval = object?.interval;
  if (interval !== undefined && (typeof interval !== 'number' || !(interval >= 1))) {
    return { ok: false, error: `"interval" must be a number of seconds, at least 1 (got ${JSON.stringify(interval)}).` };
  }
  const timeout = object?.timeout;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 1) || timeout > MAX_TIMEOUT_MS)) {
    return { ok: false, error: `"timeout" must be a number of milliseconds from 1 to ${MAX_TIMEOUT_MS} (got ${JSON.stringify(timeout)}).` };
  }
  if (object?.name !== undefined && typeof object.name !== 'string') return { ok: false, error: '"name" must be a string.' };
  if (object?.id !== undefined && (typeof object.id !== 'string' || !/^[\w.-]{1,64}$/.test(object.id))) {
    return { ok: false, error: '"id" must be 1 to 64 letters, digits, ".", "_" or "-".' };
  }

  const maintenance = parseMaintenanceWindows(object?.maintenance);
  if (!maintenance.ok) return maintenance;
  const snoozeUntil = parseSnoozeUntil(object?.snoozeUntil);
  if (!snoozeUntil.ok) return snoozeUntil;

  let http: HttpOptions | null = null;
  if (kind === 'http') {
    const built = resolveHttpOptions(object, defaults);
    if (!built.ok) return built;
    http = built.value;
  } else if (object) {
    const httpOnly = (
      ['method', 'headers', 'body', 'expectStatus', 'bodyContains', 'bodyNotContains', 'jsonPath', 'latencyBudgetMs'] as const
    ).filter((key) => object[key] !== undefined);
    if (httpOnly.length > 0) return { ok: false, error: `${httpOnly.join(', ')} only apply to http(s) targets, not ${kind}://.` };
  }

  return {
    ok: true,
    value: {
      id: object?.id ?? targetIdFor(url),
      kind,
      url,
      host,
      port,
      name: object?.name?.trim() || url,
      intervalMs: interval !== undefined ? Math.round(interval * 1000) : defaults.intervalMs,
      timeoutMs: timeout ?? Math.min(defaults.timeoutMs, MAX_TIMEOUT_MS),
      paused: object?.paused === true,
      quiet: { snoozeUntil: snoozeUntil.value, maintenance: maintenance.value },
      blockLinkLocal: false,
      writesNeedPublicAddress: false,
      http,
    },
  };
}

function resolveHttpOptions(object: TargetEntryObject | undefined, defaults: TargetDefaults): ParseResult<HttpOptions> {
  const method = (object?.method ?? 'GET').toUpperCase();
  if (!HTTP_METHODS.has(method)) return { ok: false, error: `"method" must be one of ${[...HTTP_METHODS].join(', ')}.` };
  const headers: Record<string, string> = {};
  if (object?.headers !== undefined) {
    if (typeof object.headers !== 'object' || object.headers === null || Array.isArray(object.headers)) {
      return { ok: false, error: '"headers" must be an object of header names to string values.' };
    }
    for (const [name, value] of Object.entries(object.headers)) {
      if (typeof value !== 'string') return { ok: false, error: `Header "${name}" must have a string value.` };
      const forbidden = forbiddenHeaderProblem(name);
      if (forbidden !== undefined) return { ok: false, error: forbidden };
      if (!isValidHeaderName(name)) return { ok: false, error: `"${name}" is not a valid header name.` };
      headers[name.toLowerCase()] = value;
    }
  }
  if (object?.body !== undefined && typeof object.body !== 'string') return { ok: false, error: '"body" must be a string.' };
  const statusText = object?.expectStatus ?? DEFAULT_EXPECT_STATUS;
  if (typeof statusText !== 'string') return { ok: false, error: '"expectStatus" must be a string like "200-299,401".' };
  const expectStatus = parseStatusRanges(statusText);
  if (!expectStatus.ok) return expectStatus;
  const matchers: Partial<Record<'bodyContains' | 'bodyNotContains', TextMatcher>> = {};
  for (const key of ['bodyContains', 'bodyNotContains'] as const) {
    const source = object?.[key];
    if (source === undefined) continue;
    if (typeof source !== 'string') return { ok: false, error: `"${key}" must be a string or /regex/.` };
    const matcher = parseTextMatcher(source);
    if (!matcher.ok) return matcher;
    matchers[key] = matcher.value;
  }
  if (object?.jsonPath !== undefined && typeof object.jsonPath !== 'string') return { ok: false, error: '"jsonPath" must be a string.' };
  if (object?.jsonPath !== undefined && object.equals === undefined)
    return { ok: false, error: '"jsonPath" needs an "equals" value to compare with.' };
  const budget = object?.latencyBudgetMs;
  if (budget !== undefined && (typeof budget !== 'number' || !(budget > 0))) {
    return { ok: false, error: '"latencyBudgetMs" must be a positive number of milliseconds.' };
  }
  if (object?.tlsVerify !== undefined && typeof object.tlsVerify !== 'boolean')
    return { ok: false, error: '"tlsVerify" must be true or false.' };
  if (
    object?.ca !== undefined &&
    (typeof object.ca !== 'string' || !(object.ca.startsWith('/') || object.ca.startsWith('~/') || /^[A-Za-z]:[\\/]/.test(object.ca)))
  ) {
    return { ok: false, error: '"ca" must be the absolute path of a PEM file (or start with ~/).' };
  }
  return {
    ok: true,
    value: {
      method,
      headers,
      secretHeaderNames: [],
      secretValues: [],
      body: object?.body,
      expectStatus: expectStatus.value,
      bodyContains: matchers.bodyContains,
      bodyNotContains: matchers.bodyNotContains,
      jsonPath: object?.jsonPath,
      equals: object?.equals,
      latencyBudgetMs: budget,
      tlsVerify: object?.tlsVerify ?? true,
      caFile: object?.ca,
      maxBodyBytes: defaults.maxBodyBytes,
    },
  };
}
