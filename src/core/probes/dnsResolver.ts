/**
 * Name resolution for the probes, timed and cached by the records' TTL.
 *
 * Names are resolved with the DNS protocol (c-ares) so the answer's TTL is known; a name the DNS
 * does not know (an /etc/hosts entry, say) falls back to the system resolver and is cached for a
 * fixed time. `localhost` and IP literals never cause a lookup.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Resolution {
  /** A records first, then AAAA. */
  addresses: string[];
  /** Milliseconds spent resolving; 0 when no lookup happened (IP literal, localhost, cache hit). */
  lookupMs: number;
  /** True when a lookup really happened (so the dns phase was measured). */
  measured: boolean;
}

export class DnsError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'DnsError';
  }
}

export interface DnsResolverOptions {
  /** DNS servers as `ip` or `ip:port`; the system's by default. */
  servers?: string[];
  /** How long a name found only by the system resolver (no TTL known) is cached. */
  fallbackTtlMs?: number;
  /** Bounds a TTL so a record with a huge TTL is still re-resolved now and then. */
  maxTtlMs?: number;
  /** Per-query timeout of the DNS client. */
  queryTimeoutMs?: number;
  /** Entries kept at most; the oldest are dropped first. */
  maxEntries?: number;
}

interface CacheEntry {
  addresses: string[];
  expiresAt: number;
}

const LOOPBACK_ADDRESSES = ['127.0.0.1', '::1'];

export class DnsResolver {
  private readonly resolver: dns.Resolver;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly fallbackTtlMs: number;
  private readonly maxTtlMs: number;
  private readonly maxEntries: number;
  private readonly useSystemFallback: boolean;

  constructor(options: DnsResolverOptions = {}) {
    this.resolver = new dns.Resolver({ timeout: options.queryTimeoutMs ?? 2500, tries: 2 });
    if (options.servers) this.resolver.setServers(options.servers);
    // With explicit servers the caller wants those servers' answers only (and tests stay on loopback).
    this.useSystemFallback = options.servers === undefined;
    this.fallbackTtlMs = options.fallbackTtlMs ?? 60_000;
    this.maxTtlMs = options.maxTtlMs ?? 3_600_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** Resolves for a connection: cached answers are reused until their TTL runs out. */
  async resolve(host: string): Promise<Resolution> {
    const known = this.resolveWithoutLookup(host);
    if (known) return known;
    const name = host.toLowerCase().replace(/\.$/, '');
    const started = performance.now();
    const { addresses, ttlMs } = await this.lookup(name);
    const lookupMs = performance.now() - started;
    this.remember(name, addresses, ttlMs);
    return { addresses, lookupMs, measured: true };
  }

  /**
   * The answer when no lookup is needed (an IP literal, localhost, a cached name), synchronously,
   * so the common case costs no promise; undefined when `resolve` must look the name up.
   */
  resolveWithoutLookup(host: string): Resolution | undefined {
    if (isIP(host)) return { addresses: [host], lookupMs: 0, measured: false };
    const name = host.toLowerCase().replace(/\.$/, '');
    if (name === 'localhost' || name.endsWith('.localhost')) return { addresses: LOOPBACK_ADDRESSES, lookupMs: 0, measured: false };
    const cached = this.cache.get(name);
    if (cached && cached.expiresAt > Date.now()) return { addresses: cached.addresses, lookupMs: 0, measured: false };
    return undefined;
  }

  /** Resolves without the cache (for dns:// checks, which measure the lookup itself). */
  async resolveFresh(host: string): Promise<Resolution> {
    const started = performance.now();
    const { addresses, ttlMs } = await this.lookup(host.toLowerCase().replace(/\.$/, ''));
    const lookupMs = performance.now() - started;
    this.remember(host.toLowerCase(), addresses, ttlMs);
    return { addresses, lookupMs, measured: true };
  }

  clear(): void {
    this.cache.clear();
  }

  private remember(name: string, addresses: string[], ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.cache.delete(name);
    this.cache.set(name, { addresses, expiresAt: Date.now() + Math.min(ttlMs, this.maxTtlMs) });
    if (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  /** The caller bounds the time (the check's deadline); the DNS client's own timeout ends the query. */
  private async lookup(name: string): Promise<{ addresses: string[]; ttlMs: number }> {
    const [v4, v6] = await Promise.allSettled([this.resolver.resolve4(name, { ttl: true }), this.resolver.resolve6(name, { ttl: true })]);
    const records = [v4, v6].flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    if (records.length > 0) {
      return { addresses: records.map((r) => r.address), ttlMs: Math.min(...records.map((r) => r.ttl)) * 1000 };
    }
    const failure = [v4, v6].find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason as NodeJS.ErrnoException | undefined;
    if (this.useSystemFallback) {
      const system = await dns.lookup(name, { all: true, verbatim: true }).catch(() => []);
      const addresses = system
        .filter((a) => a.family === 4)
        .concat(system.filter((a) => a.family === 6))
        .map((a) => a.address);
      if (addresses.length > 0) return { addresses, ttlMs: this.fallbackTtlMs };
    }
    throw describeDnsFailure(name, failure?.code);
  }
}

function describeDnsFailure(name: string, code: string | undefined): DnsError {
  switch (code) {
    case 'ENOTFOUND':
      return new DnsError(`${name} does not exist in DNS (NXDOMAIN).`, code);
    case 'ENODATA':
      return new DnsError(`${name} has no A or AAAA records.`, code);
    case 'ETIMEOUT':
      return new DnsError(`DNS servers did not answer for ${name} in time.`, code);
    case 'ECONNREFUSED':
      return new DnsError(`The DNS server refused the query for ${name}.`, code);
    case 'ESERVFAIL':
      return new DnsError(`The DNS server failed to resolve ${name} (SERVFAIL).`, code);
    case 'EREFUSED':
      return new DnsError(`The DNS server refused to resolve ${name} (REFUSED).`, code);
    default:
      return new DnsError(`Could not resolve ${name}${code ? ` (${code})` : ''}.`, code ?? 'EUNKNOWN');
  }
}
