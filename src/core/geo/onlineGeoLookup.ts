/**
 * The optional online lookup for city-level detail, ISP and ASN. Off unless the user turns it on,
 * because it sends each target's IP address to a third party. HTTPS only, through the proxy the
 * probes use (a company network may reach the internet only through it, and a user who set one
 * expects every request to take it); one request per IP per day at most (cached), a token bucket
 * caps bursts, the answer is read only up to a bound, and any failure falls back to the offline
 * country.
 */
import { fetch as undiciFetch } from 'undici';
import { ProxyAgents } from '../probes/proxyAgents';
import { NO_PROXY, type ProxySettings } from '../probes/proxySettings';
import { ExpiringLruCache } from './expiringLruCache';
import { TokenBucket } from './tokenBucket';
import type { GeoLocation } from '../../shared/geoLocation';

/** The part of `fetch` this lookup uses, so tests can point it at a local HTTPS server they trust. */
export type GeoFetch = (
  url: string,
  init: { signal: AbortSignal; headers: Record<string, string> },
) => Promise<{ ok: boolean; status: number; body: ReadableStream<Uint8Array> | null }>;

/** What the provider said about one IP. Absent fields are null. */
export type OnlineGeoDetail = Omit<GeoLocation, 'local'>;

export interface OnlineGeoLookupOptions {
  /** Replaces the request (and with it the proxy); for tests. */
  fetch?: GeoFetch;
  /** The proxy settings in force, read at each request (default: none). */
  proxy?: () => ProxySettings;
  /** Base URL the IP is appended to. Must be https://. */
  endpoint?: string;
  cacheSize?: number;
  cacheTtlMs?: number;
  /** How long a failed lookup is remembered, so a broken provider is not asked again at once. */
  failureTtlMs?: number;
  burst?: number;
  requestsPerMinute?: number;
  timeoutMs?: number;
  now?: () => number;
}

/** ipwho.is: HTTPS without a key, JSON with `success`, city, coordinates and `connection.asn/isp`. */
export const DEFAULT_GEO_ENDPOINT = 'https://ipwho.is/';

/** Responses are a few hundred bytes; anything far larger is not what we asked for. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export class OnlineGeoLookup {
  private readonly fetch: GeoFetch;
  private readonly endpoint: string;
  private readonly cache: ExpiringLruCache<string, OnlineGeoDetail | null>;
  private readonly bucket: TokenBucket;
  private readonly inFlight = new Map<string, Promise<OnlineGeoDetail | null>>();
  private readonly aborts = new Set<AbortController>();
  private readonly proxyAgents: ProxyAgents;
  private readonly cacheTtlMs: number;
  private readonly failureTtlMs: number;
  private readonly timeoutMs: number;
  private disposed = false;

  constructor(options: OnlineGeoLookupOptions = {}) {
    const endpoint = options.endpoint ?? DEFAULT_GEO_ENDPOINT;
    if (!endpoint.startsWith('https://')) {
      throw new Error(`The online location lookup only uses HTTPS; "${endpoint}" is not an https:// URL.`);
    }
    this.endpoint = endpoint.endsWith('/') ? endpoint : `${endpoint}/`;
    this.proxyAgents = new ProxyAgents(options.proxy ?? (() => NO_PROXY));
    this.fetch =
      options.fetch ??
      ((url, init) => undiciFetch(url, { ...init, dispatcher: this.proxyAgents.dispatcherFor(url) }) as ReturnType<GeoFetch>);
    const now = options.now ?? Date.now;
    this.cache = new ExpiringLruCache(options.cacheSize ?? 512, now);
    this.bucket = new TokenBucket(options.burst ?? 5, options.requestsPerMinute ?? 30, now);
    this.cacheTtlMs = options.cacheTtlMs ?? 24 * 60 * 60 * 1000;
    this.failureTtlMs = options.failureTtlMs ?? 10 * 60 * 1000;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /**
   * Details for a public IP (canonical form), or null when the provider has none, failed, or the
   * rate limit is reached. Never throws: the offline country is always there to fall back on.
   * `onError` hears why a request failed.
   */
  async lookup(ip: string, onError?: (message: string) => void): Promise<OnlineGeoDetail | null> {
    if (this.disposed) return null;
    const cached = this.cache.get(ip);
    if (cached !== undefined) return cached;
    const pending = this.inFlight.get(ip);
    if (pending) return pending;
    // Rate-limited lookups are not cached: the next check after the bucket refills tries again.
    if (!this.bucket.tryTake()) return null;
    const request = this.request(ip, onError).finally(() => this.inFlight.delete(ip));
    this.inFlight.set(ip, request);
    return request;
  }

  private async request(ip: string, onError?: (message: string) => void): Promise<OnlineGeoDetail | null> {
    const abort = new AbortController();
    this.aborts.add(abort);
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    try {
      const response = await this.fetch(`${this.endpoint}${encodeURIComponent(ip)}`, {
        signal: abort.signal,
        headers: { accept: 'application/json' },
      });
      if (!response.ok) throw new Error(`the provider answered HTTP ${response.status}`);
      const text = await readBounded(response.body, MAX_RESPONSE_BYTES);
      const detail = parseIpWhoIsResponse(JSON.parse(text));
      if (this.disposed) return null;
      this.cache.set(ip, detail, detail ? this.cacheTtlMs : this.failureTtlMs);
      return detail;
    } catch (error) {
      if (this.disposed) return null;
      this.cache.set(ip, null, this.failureTtlMs);
      const reason = abort.signal.aborted ? `no answer within ${this.timeoutMs} ms` : (error as Error).message;
      onError?.(`The online location lookup for ${ip} failed (${reason}); showing the country from the offline database.`);
      return null;
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const abort of this.aborts) abort.abort();
    this.aborts.clear();
    this.cache.clear();
    this.proxyAgents.dispose();
  }
}

/** The body as text, read only up to `maxBytes`: past that, reading stops and the stream is cancelled. */
async function readBounded(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string> {
  if (body === null) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`the provider sent an answer larger than ${maxBytes / 1024} KiB`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function text(value: unknown, maxLength = 200): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed.slice(0, maxLength);
}

function coordinate(value: unknown, limit: number): number | null {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && Math.abs(number) <= limit ? number : null;
}

/**
 * Reads an ipwho.is answer, trusting nothing about its shape: `{ success, country, country_code,
 * city, latitude, longitude, connection: { asn, isp, org } }`. Returns null for `success: false`
 * (reserved range, invalid IP, quota reached) or an answer with nothing usable in it.
 */
export function parseIpWhoIsResponse(body: unknown): OnlineGeoDetail | null {
  if (typeof body !== 'object' || body === null) return null;
  const record = body as Record<string, unknown>;
  if (record['success'] !== true) return null;
  const connection =
    typeof record['connection'] === 'object' && record['connection'] !== null ? (record['connection'] as Record<string, unknown>) : {};
  const countryCode = text(record['country_code'])?.toUpperCase() ?? null;
  const asnValue = typeof connection['asn'] === 'string' ? Number(connection['asn'].replace(/^AS/i, '')) : connection['asn'];
  const detail: OnlineGeoDetail = {
    country: text(record['country']),
    countryCode: countryCode !== null && /^[A-Z]{2}$/.test(countryCode) ? countryCode : null,
    city: text(record['city']),
    isp: text(connection['isp']) ?? text(connection['org']),
    asn: typeof asnValue === 'number' && Number.isInteger(asnValue) && asnValue > 0 && asnValue < 2 ** 32 ? asnValue : null,
    lat: coordinate(record['latitude'], 90),
    lon: coordinate(record['longitude'], 180),
  };
  // (0, 0) is in the Gulf of Guinea: providers use it for "unknown".
  if (detail.lat === 0 && detail.lon === 0) {
    detail.lat = null;
    detail.lon = null;
  }
  return Object.values(detail).some((value) => value !== null) ? detail : null;
}
