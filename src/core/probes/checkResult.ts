/**
 * The one result type every probe (http, tcp, dns) returns. The scheduler, the store, the views,
 * the API and the CLI all read checks in this shape.
 */
import type { CheckStatus } from '../../shared/targetStatus';

/** Why a check is not `UP`. Every code comes with a readable `message`. */
export type FailureReason =
  | 'TIMEOUT'
  | 'DNS_ERROR'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_RESET'
  | 'TLS_ERROR'
  | 'HTTP_STATUS'
  | 'REDIRECT_LOOP'
  | 'ASSERTION_FAILED'
  /** Not sent, on purpose: an address or a redirect this target may not use (see networkPolicy.ts). */
  | 'BLOCKED'
  /** Answered as expected, but slower than the target's latency budget (status `DEGRADED`). */
  | 'SLOW'
  /** Anything the codes above do not cover (an unreachable network, a protocol error...). */
  | 'ERROR';

/**
 * Milliseconds spent in each phase, from a monotonic clock. They add up to `totalMs` (within
 * rounding). A phase that did not happen (no DNS lookup for an IP literal or a cached name, no TLS
 * for plain HTTP) is 0. With redirects, each phase is the sum over all hops.
 */
export interface PhaseTimings {
  dns: number;
  connect: number;
  tls: number;
  /** From the request being written to the first byte of the response. */
  firstByte: number;
  /** From the first response byte to the last byte read. */
  transfer: number;
}

/** The server's certificate, recorded on every HTTPS check, also when verification is off. */
export interface TlsDetails {
  subject: string;
  issuer: string;
  validFrom: string;
  /** ISO 8601. */
  validTo: string;
  /** Whole days until `validTo`; negative once expired. */
  daysLeft: number;
  /** Whether the chain and host name verified against the trusted CAs. */
  authorized: boolean;
  /** Why verification failed, when it did: self-signed, expired, hostname mismatch, untrusted issuer. */
  authorizationError?: string;
}

/**
 * How a check went through a proxy. The proxy's share of the `connect` phase, split in two:
 * connecting to the proxy itself, and (HTTPS only) the proxy's answer to CONNECT, in which it
 * resolves the target's name and connects to it.
 */
export interface ProxyRoute {
  /** The proxy's origin, never with credentials. */
  url: string;
  connectMs: number;
  /** 0 for an HTTP target, which needs no tunnel. */
  tunnelMs: number;
}

export interface CheckResult {
  targetId: string;
  /** The target's normalised URL (`https://host/path`, `tcp://host:port`, `dns://name`). */
  target: string;
  /** Wall-clock time the check started, epoch milliseconds. */
  startedAt: number;
  /** `DEGRADED`: it answered correctly but slower than its latency budget. */
  status: CheckStatus;
  /** `null` when the check is `UP`. */
  reason: FailureReason | null;
  /** A sentence a user can read: what happened, or what was wrong. */
  message: string;
  /** HTTP status code of the final response; `null` for tcp/dns checks or when no response came. */
  statusCode: number | null;
  totalMs: number;
  phases: PhaseTimings;
  tls: TlsDetails | null;
  /**
   * Addresses the name resolved to (A then AAAA); the first one is the one connected to. Empty
   * when a proxy resolved the name.
   */
  addresses: string[];
  /** Present when the check went through a proxy. */
  proxy?: ProxyRoute;
}
