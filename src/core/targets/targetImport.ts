/**
 * Targets from another monitoring tool: an Uptime Kuma backup (Settings → Backup → Export, JSON)
 * or a Gatus configuration (YAML). Each monitor or endpoint becomes a target entry as the user
 * would write it in `networkMonitor.targets`, with a note for everything that maps only in part,
 * and what cannot map (ICMP ping, push monitors, Docker containers...) is listed with the reason,
 * so the user sees the whole picture before anything is saved.
 *
 * Credentials in the imported file (an Authorization or API-key header, Kuma's basic auth) never
 * go into the entries: each is replaced by a `${secret:NAME}` reference and handed back
 * separately, with the origin it belongs to, for the caller to keep in Secret Storage.
 *
 * A file is not the user's words, and imported entries land in the user's own settings, which may
 * use the user's secrets: so a header that already refers to a secret (`${secret:github}`) is left
 * out, with a note, and a credential from the file never replaces a stored secret of the same name
 * unless the user says so (`settleSecretNames`).
 */
import { parse as parseYaml } from 'yaml';
import type { TargetEntryObject } from './target';

export type ImportFormat = 'uptime-kuma' | 'gatus';

export interface ImportedSecret {
  /** The name the entry's `${secret:NAME}` reference uses. */
  name: string;
  value: string;
  /** The origin of the target it was found on: the only place it may be sent. */
  origin: string;
}

export interface ImportedTarget {
  /** The monitor's name in the other tool. */
  source: string;
  entry: TargetEntryObject;
  /** What did not carry over exactly. */
  notes: string[];
  /** Headers left out because they referred to one of the user's secrets. */
  droppedSecretHeaders: string[];
}

export interface ImportPreview {
  format: ImportFormat;
  targets: ImportedTarget[];
  skipped: { source: string; reason: string }[];
  secrets: ImportedSecret[];
}

export class ImportError extends Error {}

/** Header names whose values are credentials and go to Secret Storage instead of the settings. */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)$|token|secret|key|auth|password/i;

/** Reads `text` as either format, telling them apart by their content. */
export function importTargets(text: string, format?: ImportFormat): ImportPreview {
  const detected = format ?? detectFormat(text);
  return detected === 'uptime-kuma' ? importUptimeKuma(text) : importGatus(text);
}

export function detectFormat(text: string): ImportFormat {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) return 'uptime-kuma';
  return 'gatus';
}

/** A reference to a stored secret, however it is spelled; such a value is never imported. */
const SECRET_REFERENCE_START = /\$\{\s*secret\s*:/i;

/** `base`, or `base-2`, `base-3`... the first that `taken` does not hold. */
function unusedName(base: string, taken: (name: string) => boolean): string {
  let name = base;
  for (let n = 2; taken(name); n++) name = `${base}-${n}`;
  return name;
}

class SecretCollector {
  readonly secrets: ImportedSecret[] = [];

  /** Keeps `value` as a secret for `origin` and returns its reference. */
  reference(source: string, what: string, value: string, origin: string): string {
    const base =
      `${source}-${what}`
        .replace(/[^\w.-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 56) || 'imported';
    const name = unusedName(base, (candidate) => this.secrets.some((secret) => secret.name === candidate));
    this.secrets.push({ name, value, origin });
    return `\${secret:${name}}`;
  }

  /**
   * The headers with every credential replaced by a reference; a header that refers to a stored
   * secret is left out and named in `dropped`.
   */
  headers(
    source: string,
    headers: Record<string, string>,
    origin: string | undefined,
    notes: string[],
    dropped: string[],
  ): Record<string, string> | undefined {
    const result: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (SECRET_REFERENCE_START.test(value)) {
        dropped.push(name);
        notes.push(`header ${name} left out: it refers to a secret in your Secret Storage, which an imported file may not use`);
        continue;
      }
      if (SECRET_HEADER.test(name)) {
        if (!origin) {
          notes.push(`header ${name} left out: it holds a credential and the target has no origin to bind it to`);
          continue;
        }
        result[name] = this.reference(source, name, value, origin);
        notes.push(`header ${name} moved to the secret "${result[name]!.slice(9, -1)}"`);
      } else {
        result[name] = value;
      }
    }
    return Object.keys(result).length > 0 ? result : undefined;
  }
}

function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/** What the user chose for a credential from the file whose name a stored secret already has. */
export type SecretClashChoice = 'replace' | 'keepBoth';

/**
 * The entries and secrets to save for the chosen targets: only the secrets they refer to, and for
 * each whose name is already stored, what `ask` says: replace the stored one, or keep both (the
 * file's gets the next free name, and its entries refer to that). Undefined when `ask` answers
 * nothing: the user cancelled, and nothing is to be saved.
 */
export async function settleSecretNames(
  chosen: readonly ImportedTarget[],
  secrets: readonly ImportedSecret[],
  storedNames: ReadonlySet<string>,
  ask: (secret: ImportedSecret) => Promise<SecretClashChoice | undefined>,
): Promise<{ entries: TargetEntryObject[]; secrets: ImportedSecret[] } | undefined> {
  let entries = chosen.map((imported) => imported.entry);
  const referenced = new Set(entries.flatMap((entry) => Object.values(entry.headers ?? {})));
  const used = secrets.filter((secret) => referenced.has(`\${secret:${secret.name}}`));
  const taken = new Set([...storedNames, ...secrets.map((secret) => secret.name)]);
  const settled: ImportedSecret[] = [];
  for (const secret of used) {
    if (!storedNames.has(secret.name)) {
      settled.push(secret);
      continue;
    }
    const choice = await ask(secret);
    if (choice === undefined) return undefined;
    if (choice === 'replace') {
      settled.push(secret);
      continue;
    }
    const name = unusedName(secret.name, (candidate) => taken.has(candidate));
    taken.add(name);
    settled.push({ ...secret, name });
    entries = entries.map((entry) => withSecretRenamed(entry, secret.name, name));
  }
  return { entries, secrets: settled };
}

function withSecretRenamed(entry: TargetEntryObject, from: string, to: string): TargetEntryObject {
  if (!entry.headers) return entry;
  const reference = `\${secret:${from}}`;
  const headers = Object.fromEntries(
    Object.entries(entry.headers).map(([name, value]) => [name, value === reference ? `\${secret:${to}}` : value]),
  );
  return { ...entry, headers };
}

// ---- Uptime Kuma ---------------------------------------------------------------------------------

interface KumaMonitor {
  id?: number;
  name?: string;
  type?: string;
  url?: string;
  hostname?: string;
  port?: number | string;
  interval?: number;
  timeout?: number;
  method?: string;
  headers?: string | null;
  body?: string | null;
  accepted_statuscodes?: string[];
  ignoreTls?: boolean | number;
  active?: boolean | number;
  keyword?: string | null;
  invertKeyword?: boolean | number;
  jsonPath?: string | null;
  expectedValue?: string | null;
  basic_auth_user?: string | null;
  basic_auth_pass?: string | null;
  authMethod?: string | null;
}

/** Monitor types Kuma has that checks here cannot make, with why. */
const KUMA_UNSUPPORTED: Record<string, string> = {
  ping: 'ICMP ping is not something an editor extension can send; add a tcp:// target on a port the host answers on instead',
  push: 'a push monitor waits for the service to call in; nothing here listens for that',
  docker: 'Docker container state is not a network check',
  group: 'a group holds other monitors; its members are imported on their own',
  steam: 'game-server queries are not supported',
  gamedig: 'game-server queries are not supported',
  mqtt: 'MQTT is not supported',
  sqlserver: 'database logins are not supported; add a tcp:// target on its port instead',
  postgres: 'database logins are not supported; add a tcp:// target on its port instead',
  mysql: 'database logins are not supported; add a tcp:// target on its port instead',
  mongodb: 'database logins are not supported; add a tcp:// target on its port instead',
  redis: 'database logins are not supported; add a tcp:// target on its port instead',
  radius: 'RADIUS is not supported',
  'real-browser': 'a real browser is not run here; the page is checked over HTTP instead only if you add it as a URL',
  grpc: 'gRPC health checks are not supported',
  'grpc-keyword': 'gRPC health checks are not supported',
  kafka: 'Kafka is not supported',
  'kafka-producer': 'Kafka is not supported',
  tailscale: 'Tailscale pings are not supported',
};

export function importUptimeKuma(text: string): ImportPreview {
  let backup: { monitorList?: unknown };
  try {
    backup = JSON.parse(text) as { monitorList?: unknown };
  } catch (error) {
    throw new ImportError(`This is not an Uptime Kuma backup: it is not JSON (${(error as Error).message}).`);
  }
  if (!backup || !Array.isArray(backup.monitorList))
    throw new ImportError('This is not an Uptime Kuma backup: it has no "monitorList". Export one from Settings → Backup.');
  const preview: ImportPreview = { format: 'uptime-kuma', targets: [], skipped: [], secrets: [] };
  const collector = new SecretCollector();
  for (const raw of backup.monitorList as KumaMonitor[]) {
    const source =
      typeof raw?.name === 'string' && raw.name.trim()
        ? raw.name.trim()
        : `monitor ${String(raw?.id ?? preview.targets.length + preview.skipped.length + 1)}`;
    const type = String(raw?.type ?? 'http');
    if (KUMA_UNSUPPORTED[type]) {
      preview.skipped.push({ source, reason: KUMA_UNSUPPORTED[type]! });
      continue;
    }
    const notes: string[] = [];
    const droppedSecretHeaders: string[] = [];
    let entry: TargetEntryObject;
    if (type === 'http' || type === 'keyword' || type === 'json-query') {
      if (typeof raw.url !== 'string' || !/^https?:\/\//i.test(raw.url)) {
        preview.skipped.push({ source, reason: 'it has no http(s) URL' });
        continue;
      }
      entry = { url: raw.url, name: source };
      const origin = originOf(raw.url);
      if (raw.method && raw.method.toUpperCase() !== 'GET') entry.method = raw.method.toUpperCase();
      if (raw.body) entry.body = raw.body;
      const codes = (raw.accepted_statuscodes ?? []).join(',');
      if (codes && codes !== '200-299') entry.expectStatus = codes;
      if (raw.ignoreTls === true || raw.ignoreTls === 1) entry.tlsVerify = false;
      let headers: Record<string, string> = {};
      if (raw.headers) {
        try {
          const parsed = JSON.parse(raw.headers) as unknown;
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
            headers = Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, String(value)]));
        } catch {
          notes.push('its headers were not JSON and were left out');
        }
      }
      if (raw.basic_auth_user && (raw.authMethod ?? 'basic') === 'basic') {
        headers.Authorization = `Basic ${Buffer.from(`${raw.basic_auth_user}:${raw.basic_auth_pass ?? ''}`, 'utf8').toString('base64')}`;
      } else if (raw.authMethod && raw.authMethod !== 'null' && raw.authMethod !== 'basic') {
        notes.push(`its ${raw.authMethod} authentication is not supported and was left out`);
      }
      const kept = collector.headers(source, headers, origin, notes, droppedSecretHeaders);
      if (kept) entry.headers = kept;
      if (type === 'keyword' && raw.keyword) {
        if (raw.invertKeyword === true || raw.invertKeyword === 1) entry.bodyNotContains = raw.keyword;
        else entry.bodyContains = raw.keyword;
      }
      if (type === 'json-query' && raw.jsonPath) {
        if (/^[\w$.[\]]+$/.test(raw.jsonPath)) {
          entry.jsonPath = raw.jsonPath;
          if (raw.expectedValue !== undefined && raw.expectedValue !== null) entry.equals = raw.expectedValue;
        } else {
          notes.push(`its JSONata query "${raw.jsonPath}" is not a plain path; only the status is checked`);
        }
      }
    } else if (type === 'port') {
      if (!raw.hostname || !raw.port) {
        preview.skipped.push({ source, reason: 'it has no host name and port' });
        continue;
      }
      entry = { url: `tcp://${hostForUrl(raw.hostname)}:${Number(raw.port)}`, name: source };
    } else if (type === 'dns') {
      if (!raw.hostname) {
        preview.skipped.push({ source, reason: 'it has no host name' });
        continue;
      }
      entry = { url: `dns://${raw.hostname}`, name: source };
      notes.push('resolved with the system resolver, not the DNS server the monitor named');
    } else {
      preview.skipped.push({ source, reason: `monitors of type "${type}" are not supported` });
      continue;
    }
    if (typeof raw.interval === 'number' && raw.interval > 0) entry.interval = raw.interval;
    if (typeof raw.timeout === 'number' && raw.timeout > 0) entry.timeout = Math.round(raw.timeout * 1000);
    if (raw.active === false || raw.active === 0) entry.paused = true;
    preview.targets.push({ source, entry, notes, droppedSecretHeaders });
  }
  preview.secrets = collector.secrets;
  return preview;
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

// ---- Gatus ---------------------------------------------------------------------------------------

interface GatusEndpoint {
  name?: string;
  group?: string;
  url?: string;
  enabled?: boolean;
  interval?: string;
  method?: string;
  body?: string;
  headers?: Record<string, unknown>;
  conditions?: unknown[];
  client?: { timeout?: string; insecure?: boolean };
  dns?: { 'query-name'?: string; 'query-type'?: string };
}

/** A Go duration (`30s`, `5m`, `1h30m`, `250ms`) in milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text.trim()) return undefined;
  return parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * units[unit!]!, 0);
}

export function importGatus(text: string): ImportPreview {
  let config: { endpoints?: unknown };
  try {
    config = parseYaml(text) as { endpoints?: unknown };
  } catch (error) {
    throw new ImportError(`This is not a Gatus configuration: it is not YAML (${(error as Error).message.split('\n')[0]}).`);
  }
  if (!config || !Array.isArray(config.endpoints)) throw new ImportError('This is not a Gatus configuration: it has no "endpoints" list.');
  const preview: ImportPreview = { format: 'gatus', targets: [], skipped: [], secrets: [] };
  const collector = new SecretCollector();
  for (const raw of config.endpoints as GatusEndpoint[]) {
    const source = [raw?.group, raw?.name].filter((part) => typeof part === 'string' && part).join('/') || String(raw?.url ?? 'endpoint');
    const url = typeof raw?.url === 'string' ? raw.url.trim() : '';
    const notes: string[] = [];
    const droppedSecretHeaders: string[] = [];
    let entry: TargetEntryObject;
    if (/^https?:\/\//i.test(url)) {
      entry = { url, name: raw.name ?? source };
      if (raw.method && raw.method.toUpperCase() !== 'GET') entry.method = raw.method.toUpperCase();
      if (raw.body) entry.body = raw.body;
      if (raw.headers) {
        const headers = Object.fromEntries(Object.entries(raw.headers).map(([name, value]) => [name, String(value)]));
        const kept = collector.headers(source, headers, originOf(url), notes, droppedSecretHeaders);
        if (kept) entry.headers = kept;
      }
      if (raw.client?.insecure) entry.tlsVerify = false;
      applyGatusConditions(entry, raw.conditions ?? [], notes);
    } else if (/^tcp:\/\//i.test(url)) {
      entry = { url, name: raw.name ?? source };
      if ((raw.conditions ?? []).some((condition) => !/^\s*\[CONNECTED\]\s*==\s*true\s*$/.test(String(condition))))
        notes.push('only the connection is checked; its other conditions were left out');
    } else if (raw?.dns?.['query-name']) {
      entry = { url: `dns://${raw.dns['query-name']}`, name: raw.name ?? source };
      notes.push(
        `resolved with the system resolver, not ${url || 'the server it named'}${raw.dns['query-type'] && raw.dns['query-type'] !== 'A' ? `, and as an address lookup rather than ${raw.dns['query-type']}` : ''}`,
      );
    } else {
      const scheme = /^(\w+):\/\//.exec(url)?.[1] ?? 'this';
      const reasons: Record<string, string> = {
        icmp: 'ICMP ping is not something an editor extension can send; add a tcp:// target on a port the host answers on instead',
        udp: 'UDP checks are not supported',
        ssh: 'SSH logins are not supported; add a tcp:// target on port 22 instead',
        starttls: 'STARTTLS checks are not supported; add a tcp:// target on its port instead',
        tls: 'raw TLS checks are not supported; add an https:// target or a tcp:// target instead',
        ws: 'WebSocket checks are not supported',
        wss: 'WebSocket checks are not supported',
      };
      preview.skipped.push({ source, reason: reasons[scheme] ?? `${scheme} endpoints are not supported` });
      continue;
    }
    const interval = raw.interval ? parseGoDuration(raw.interval) : undefined;
    if (raw.interval && interval === undefined) notes.push(`its interval "${raw.interval}" is not a duration; the default applies`);
    if (interval !== undefined) entry.interval = Math.max(1, Math.round(interval / 1000));
    const timeout = raw.client?.timeout ? parseGoDuration(raw.client.timeout) : undefined;
    if (timeout !== undefined) entry.timeout = Math.round(timeout);
    if (raw.enabled === false) entry.paused = true;
    preview.targets.push({ source, entry, notes, droppedSecretHeaders });
  }
  preview.secrets = collector.secrets;
  return preview;
}

/** Carries over the conditions that have a counterpart here; notes the others. */
function applyGatusConditions(entry: TargetEntryObject, conditions: unknown[], notes: string[]): void {
  const statuses: string[] = [];
  for (const condition of conditions.map(String)) {
    let match: RegExpExecArray | null;
    if ((match = /^\s*\[STATUS\]\s*==\s*(\d{3})\s*$/.exec(condition))) statuses.push(match[1]!);
    else if ((match = /^\s*\[STATUS\]\s*<\s*(\d{3})\s*$/.exec(condition))) statuses.push(`100-${Number(match[1]) - 1}`);
    else if ((match = /^\s*\[RESPONSE_TIME\]\s*<=?\s*(\d+)\s*$/.exec(condition))) entry.latencyBudgetMs = Number(match[1]);
    else if ((match = /^\s*\[BODY\]\s*==\s*pat\((.+)\)\s*$/.exec(condition))) entry.bodyContains = match[1]!.replace(/^\*|\*$/g, '');
    else if ((match = /^\s*\[BODY\]\.([\w.[\]]+)\s*==\s*(.+?)\s*$/.exec(condition))) {
      entry.jsonPath = `$.${match[1]}`;
      const expected = match[2]!;
      entry.equals = /^-?\d+(\.\d+)?$/.test(expected)
        ? Number(expected)
        : expected === 'true'
          ? true
          : expected === 'false'
            ? false
            : expected.replace(/^"(.*)"$/, '$1');
    } else if (/^\s*\[CERTIFICATE_EXPIRATION\]/.test(condition))
      notes.push('certificate expiry is watched by networkMonitor.certificates.warningDays rather than per target');
    else notes.push(`condition "${condition}" has no counterpart and was left out`);
  }
  if (statuses.length > 0) entry.expectStatus = statuses.join(',');
  if (conditions.some((condition) => /\[RESPONSE_TIME\]/.test(String(condition))) && entry.latencyBudgetMs !== undefined) {
    notes.push(`a response slower than ${entry.latencyBudgetMs} ms makes the target DEGRADED here, not DOWN`);
  }
}
