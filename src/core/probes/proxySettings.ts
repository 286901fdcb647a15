/**
 * Which proxy a check goes through, if any: the proxies the user configured (VS Code's
 * `http.proxy`, or the CLI's HTTP_PROXY / HTTPS_PROXY), and the hosts that bypass them
 * (`http.noProxy`, NO_PROXY).
 *
 * The noProxy rules are those curl and most proxy-aware tools share, so a list that works for the
 * user's other tools works here: `*` bypasses everything; a name matches itself and every name
 * under it (`example.com` and `.example.com` both match `api.example.com`; `*.example.com` is
 * read the same way); `host:port` matches only that port; an IP address matches itself, and a
 * CIDR range (`10.0.0.0/8`, `fd00::/8`) every address in it. Names are compared without case and
 * without a trailing dot. A name is never resolved to compare it with an address: the proxy may be
 * the only one that can resolve it.
 */
import { BlockList, isIP } from 'node:net';

export interface ProxyCredentials {
  username: string;
  password: string;
}

export interface ProxyServer {
  /** The proxy's origin (`http://proxy.example:3128`), never with credentials in it. */
  url: string;
  /** Sent only to this proxy, as `Proxy-Authorization: Basic`. */
  credentials?: ProxyCredentials;
  /** A ready Proxy-Authorization value (VS Code's `http.proxyAuthorization`), when there are no credentials. */
  authorization?: string;
}

export interface ProxySettings {
  /** The proxy for `http:` targets. */
  http?: ProxyServer;
  /** The proxy for `https:` targets (reached with a CONNECT tunnel). */
  https?: ProxyServer;
  /** Whether an `https:` proxy's own certificate must verify. */
  strictSSL: boolean;
  /** Hosts that are reached directly, in the syntax described above. */
  noProxy: readonly string[];
}

export const NO_PROXY: ProxySettings = { strictSSL: true, noProxy: [] };

/** The proxy to use for this URL, or undefined to connect directly. */
export function proxyFor(target: URL, settings: ProxySettings): ProxyServer | undefined {
  const server = target.protocol === 'https:' ? settings.https : target.protocol === 'http:' ? settings.http : undefined;
  if (!server) return undefined;
  const port = target.port ? Number(target.port) : target.protocol === 'https:' ? 443 : 80;
  return bypassesProxy(target.hostname, port, settings.noProxy) ? undefined : server;
}

/** True when `host` (a name or an IP, IPv6 with or without brackets) on `port` is in `noProxy`. */
export function bypassesProxy(host: string, port: number, noProxy: readonly string[]): boolean {
  const plainHost = normaliseHost(host);
  const hostIsIp = isIP(plainHost) !== 0;
  for (const raw of noProxy) {
    const rule = parseRule(raw);
    if (!rule) continue;
    if (rule.kind === 'everything') return true;
    if (rule.port !== undefined && rule.port !== port) continue;
    if (rule.kind === 'range') {
      if (hostIsIp && rule.range.check(plainHost, isIP(plainHost) === 6 ? 'ipv6' : 'ipv4')) return true;
      continue;
    }
    if (rule.kind === 'address') {
      if (hostIsIp && sameAddress(plainHost, rule.address)) return true;
      continue;
    }
    if (!hostIsIp && (plainHost === rule.name || plainHost.endsWith(`.${rule.name}`))) return true;
  }
  return false;
}

type NoProxyRule =
  | { kind: 'everything' }
  | { kind: 'name'; name: string; port?: number }
  | { kind: 'address'; address: string; port?: number }
  | { kind: 'range'; range: BlockList; port?: undefined };

function parseRule(raw: string): NoProxyRule | undefined {
  const text = raw.trim().toLowerCase();
  if (text === '') return undefined;
  if (text === '*') return { kind: 'everything' };
  const cidr = /^\[?([0-9a-f.:]+)\]?\/(\d{1,3})$/.exec(text);
  if (cidr) {
    const family = isIP(cidr[1]!);
    const prefix = Number(cidr[2]);
    if (family === 0 || prefix > (family === 4 ? 32 : 128)) return undefined;
    const range = new BlockList();
    range.addSubnet(cidr[1]!, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return { kind: 'range', range };
  }
  const { host, port } = splitHostPort(text);
  if (host === undefined) return undefined;
  if (isIP(host) !== 0) return { kind: 'address', address: host, ...(port !== undefined ? { port } : {}) };
  const name = normaliseHost(host.replace(/^\*?\./, ''));
  if (name === '' || name.includes('*')) return undefined;
  return { kind: 'name', name, ...(port !== undefined ? { port } : {}) };
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address (which has no port). */
function splitHostPort(text: string): { host: string | undefined; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) return { host: bracketed[1], ...(bracketed[2] !== undefined ? { port: Number(bracketed[2]) } : {}) };
  if (isIP(text) === 6) return { host: text };
  const withPort = /^([^:]+):(\d{1,5})$/.exec(text);
  if (withPort) return { host: withPort[1], port: Number(withPort[2]) };
  return text.includes(':') ? { host: undefined } : { host: text };
}

function normaliseHost(host: string): string {
  return host
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  if (isIP(a) !== isIP(b)) return false;
  // IPv6 has several spellings of one address; a BlockList compares them as numbers.
  const list = new BlockList();
  list.addAddress(b, isIP(b) === 6 ? 'ipv6' : 'ipv4');
  return list.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
}

/** Splits a noProxy text (NO_PROXY, or a list item holding several) at commas and whitespace. */
export function splitNoProxy(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter(Boolean);
}

export type ParsedProxyUrl = { ok: true; server: ProxyServer } | { ok: false; error: string };

/**
 * Reads a proxy URL as users write it: `http://host:port`, `host:port` (http assumed, as curl
 * does), with optional `user:password@`, which become the credentials and leave the URL.
 */
export function parseProxyUrl(text: string): ParsedProxyUrl {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`);
  } catch {
    return { ok: false, error: `"${redactCredentials(trimmed)}" is not a proxy URL (use http://host:port).` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, error: `Proxies of the kind ${url.protocol.slice(0, -1)}: are not supported; use an http:// or https:// proxy.` };
  }
  if (url.hostname === '') return { ok: false, error: 'The proxy URL has no host.' };
  const username = safeDecode(url.username);
  const password = safeDecode(url.password);
  const server: ProxyServer = { url: url.origin };
  if (username !== '' || password !== '') server.credentials = { username, password };
  return { ok: true, server };
}

/** The proxy URL with any password replaced, for messages and logs. */
export function redactCredentials(text: string): string {
  return text.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The Proxy-Authorization value for this proxy: Basic from its credentials, else the ready value, else none. */
export function proxyAuthorization(server: ProxyServer): string | undefined {
  if (server.credentials)
    return `Basic ${Buffer.from(`${server.credentials.username}:${server.credentials.password}`, 'utf8').toString('base64')}`;
  return server.authorization;
}

/**
 * The proxy settings of a process environment, as curl reads them: `http_proxy` for http targets,
 * `https_proxy` for https ones, `all_proxy` for either when its own is unset, and `no_proxy`; the
 * lowercase name wins over the uppercase one. An unusable URL is reported, not silently ignored.
 */
export function proxySettingsFromEnvironment(env: NodeJS.ProcessEnv): { settings: ProxySettings; problems: string[] } {
  const read = (name: string): string | undefined => {
    const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
    return value !== undefined && value.trim() !== '' ? value : undefined;
  };
  const problems: string[] = [];
  const server = (name: string): ProxyServer | undefined => {
    const text = read(name) ?? read('all_proxy');
    if (text === undefined) return undefined;
    const parsed = parseProxyUrl(text);
    if (parsed.ok) return parsed.server;
    problems.push(`${name.toUpperCase()}: ${parsed.error}`);
    return undefined;
  };
  const settings: ProxySettings = { strictSSL: true, noProxy: splitNoProxy(read('no_proxy')) };
  const http = server('http_proxy');
  const https = server('https_proxy');
  if (http) settings.http = http;
  if (https) settings.https = https;
  return { settings, problems };
}
