/**
 * IP literal handling for geolocation: canonical form, IPv4-mapped IPv6 unwrapped, and which
 * addresses are on the local network rather than somewhere on the map.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface ParsedIp {
  version: 4 | 6;
  /** Canonical text: dotted quad, or compressed lower-case IPv6 without brackets or zone. */
  address: string;
}

/** Parses an IP literal (`8.8.8.8`, `2001:db8::1`, `[::1]`, `fe80::1%eth0`); undefined if it is not one. */
export function parseIp(text: string): ParsedIp | undefined {
  let candidate = text.trim();
  if (candidate.startsWith('[') && candidate.endsWith(']')) candidate = candidate.slice(1, -1);
  // A zone id names an interface on this machine; it says nothing about location.
  const zone = candidate.indexOf('%');
  if (zone > 0 && candidate.includes(':')) candidate = candidate.slice(0, zone);
  if (isIPv4(candidate)) return { version: 4, address: candidate };
  if (!isIPv6(candidate)) return undefined;
  const canonical = new URL(`http://[${candidate}]/`).hostname.slice(1, -1);
  // ::ffff:a.b.c.d is an IPv4 address seen through an IPv6 socket; the databases key it as IPv4.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped) {
    const high = parseInt(mapped[1]!, 16);
    const low = parseInt(mapped[2]!, 16);
    return { version: 4, address: [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.') };
  }
  return { version: 6, address: canonical };
}

const LOCAL_NETWORKS = new BlockList();
for (const [prefix, length] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12], // private
  ['192.168.0.0', 16], // private
] as const) {
  LOCAL_NETWORKS.addSubnet(prefix, length, 'ipv4');
}
for (const [prefix, length] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
] as const) {
  LOCAL_NETWORKS.addSubnet(prefix, length, 'ipv6');
}

/** True for loopback, private, link-local, unique-local (ULA) and carrier-grade NAT addresses. */
export function isLocalAddress(ip: ParsedIp): boolean {
  return LOCAL_NETWORKS.check(ip.address, ip.version === 4 ? 'ipv4' : 'ipv6');
}
