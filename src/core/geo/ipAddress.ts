/**
 * IP literal handling for geolocation: canonical form, an IPv4 address carried in IPv6 unwrapped
 * (the databases key it as IPv4), and which addresses are on the local network rather than
 * somewhere on the map.
 */
import { isIPv4 } from 'node:net';
import { classifyAddress, normaliseIp } from '../probes/addressClass';

export interface ParsedIp {
  version: 4 | 6;
  /** Canonical text: dotted quad, or compressed lower-case IPv6 without brackets or zone. */
  address: string;
}

/** Parses an IP literal (`8.8.8.8`, `2001:db8::1`, `[::1]`, `fe80::1%eth0`); undefined if it is not one. */
export function parseIp(text: string): ParsedIp | undefined {
  const address = normaliseIp(text);
  if (address === undefined) return undefined;
  return { version: isIPv4(address) ? 4 : 6, address };
}

/** True for loopback, private, link-local, unique-local (ULA), carrier-grade NAT and metadata addresses. */
export function isLocalAddress(ip: ParsedIp): boolean {
  return classifyAddress(ip.address) !== 'public';
}
