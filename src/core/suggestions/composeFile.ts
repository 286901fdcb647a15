/**
 * Published ports in a Docker Compose file (`docker-compose.yml`, `compose.yaml`...): each
 * `services.<name>.ports` entry that publishes a TCP port on the host becomes a suggestion, in
 * the short form (`"8080:80"`, `"127.0.0.1:8080:80"`, `"8080:80/tcp"`) or the long one
 * (`{ target: 80, published: 8080, host_ip: 127.0.0.1 }`).
 *
 * The address chosen: the host is `host_ip` when the port is bound to one address, else
 * `localhost` (a port published on every interface answers there, and it is where the developer
 * reaches it). The scheme comes from the container's port: 443 and 8443 are `https://`, a
 * well-known port of a database, cache or broker is `tcp://` (a connection check), anything else
 * is `http://` (what a published port in a compose file for development usually serves). A port
 * without a published side (`"80"`), a range and UDP are left out: nothing fixed to check.
 *
 * `${VAR}`, `${VAR:-default}` and `${VAR-default}` are read from the `.env` beside the file, as
 * Compose does; a port whose variable has no value is left out.
 */
import { parse as parseYaml } from 'yaml';
import type { EnvValue } from './envFile';
import { labelText, MAX_SUGGESTIONS_PER_FILE, suggestableUrlKey, type SuggestedTarget } from './suggestedTarget';

const HTTPS_PORTS = new Set([443, 8443]);
/** Container ports that speak something other than HTTP: checked as a TCP connection. */
const TCP_PORTS = new Set([
  21, 22, 25, 53, 110, 143, 389, 465, 587, 993, 995, 1433, 1521, 2181, 3306, 4222, 5432, 5672, 6379, 7687, 9042, 9092, 11211, 27017, 1883,
  8883,
]);

interface PortSpec {
  hostIp: string | undefined;
  published: number;
  target: number;
}

export function composeFileSuggestions(file: string, text: string, env: ReadonlyMap<string, EnvValue>): SuggestedTarget[] {
  let document: unknown;
  try {
    document = parseYaml(text, { maxAliasCount: 100 });
  } catch {
    return [];
  }
  const services = (document as { services?: unknown } | null)?.services;
  if (!services || typeof services !== 'object') return [];
  const lines = text.split(/\r?\n/);
  const suggestions: SuggestedTarget[] = [];
  for (const [service, definition] of Object.entries(services as Record<string, unknown>)) {
    const ports = (definition as { ports?: unknown } | null)?.ports;
    if (!Array.isArray(ports)) continue;
    for (const raw of ports) {
      if (suggestions.length >= MAX_SUGGESTIONS_PER_FILE) return suggestions;
      const port = readPort(raw, env);
      if (!port) continue;
      const scheme = HTTPS_PORTS.has(port.target) ? 'https' : TCP_PORTS.has(port.target) ? 'tcp' : 'http';
      const host = !port.hostIp || port.hostIp === '0.0.0.0' || port.hostIp === '::' ? 'localhost' : port.hostIp;
      const hostInUrl = host.includes(':') ? `[${host}]` : host;
      const key = suggestableUrlKey(`${scheme}://${hostInUrl}:${port.published}`);
      if (key === undefined) continue;
      suggestions.push({
        file,
        line: lineOf(lines, String(port.published)),
        kind: 'compose',
        label: labelText(`${service}: ${key}`),
        entry: { url: key, name: labelText(`${service} (${port.published})`) },
        key,
        secrets: [],
      });
    }
  }
  return suggestions;
}

function readPort(raw: unknown, env: ReadonlyMap<string, EnvValue>): PortSpec | undefined {
  if (raw && typeof raw === 'object') {
    const long = raw as { target?: unknown; published?: unknown; host_ip?: unknown; protocol?: unknown };
    if (long.protocol !== undefined && String(long.protocol).toLowerCase() !== 'tcp') return undefined;
    const target = portNumber(interpolate(String(long.target ?? ''), env));
    const published = portNumber(interpolate(String(long.published ?? ''), env));
    const hostIp = long.host_ip === undefined ? undefined : interpolate(String(long.host_ip), env);
    return target && published && hostIp !== null ? { target, published, hostIp } : undefined;
  }
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const text = interpolate(String(raw), env);
  if (text === null) return undefined;
  const [spec, protocol] = text.split('/');
  if (protocol !== undefined && protocol.toLowerCase() !== 'tcp') return undefined;
  // [host_ip:]published:target, where host_ip may be an IPv6 address in brackets.
  const match = /^(?:(\[[^\]]+\]|[^:[\]]+):)?(\d+):(\d+)$/.exec(spec!);
  if (!match) return undefined;
  const published = portNumber(match[2]!);
  const target = portNumber(match[3]!);
  return published && target ? { hostIp: match[1]?.replace(/^\[|\]$/g, ''), published, target } : undefined;
}

function portNumber(text: string | null): number | undefined {
  if (text === null || !/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$VAR` from `env`; null when one has no value. */
function interpolate(text: string, env: ReadonlyMap<string, EnvValue>): string | null {
  let complete = true;
  const result = text.replace(/\$\{([A-Za-z_]\w*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_]\w*)/g, (_whole, braced, operator, fallback, bare) => {
    const name = (braced ?? bare) as string;
    const value = env.get(name)?.value;
    if (value !== undefined && !(operator === ':-' && value === '')) return value;
    if (operator !== undefined) return fallback as string;
    complete = false;
    return '';
  });
  return complete ? result : null;
}

/** The first line that mentions `text`, for the suggestion's place in the file (1 when none does). */
function lineOf(lines: readonly string[], text: string): number {
  const index = lines.findIndex((line) => line.includes(text));
  return index < 0 ? 1 : index + 1;
}
