/**
 * What kind of network an IP address belongs to: a cloud metadata service, link-local, this
 * machine, a private network, or the internet. One table for every decision that depends on it
 * (which address a check may reach, where a redirect may lead, which servers are not on the map).
 *
 * An IPv4 address can be written inside an IPv6 one (`::ffff:169.254.169.254`, which the URL
 * parser turns into `::ffff:a9fe:a9fe`; the deprecated `::169.254.169.254`; NAT64's
 * `64:ff9b::169.254.169.254`); on a dual-stack or NAT64 host a connection to those reaches the
 * IPv4 address, so it is judged as that address. Decimal, octal and hex IPv4 spellings
 * (`2852039166`, `0251.0376.0251.0376`, `0xa9.0xfe.0xa9.0xfe`) never get here: the URL parser
 * and `normaliseHost` turn them into dotted quads first, and names are judged by the addresses
 * they resolve to, which are the ones the probe connects to.
 */
import { BlockList, isIPv4, isIPv6, SocketAddress } from 'node:net';

export type AddressClass = 'metadata' | 'linkLocal' | 'loopback' | 'private' | 'public';

/**
 * Cloud metadata services, which hand out the machine's credentials to whoever asks from it:
 * AWS, GCP, Azure and others on 169.254.169.254 (AWS also on fd00:ec2::254), Alibaba Cloud on
 * 100.100.100.200, Oracle Cloud on 192.0.0.192.
 */
export const METADATA_ADDRESSES = ['169.254.169.254', '100.100.100.200', '192.0.0.192', 'fd00:ec2::254'] as const;

const NETWORKS: { kind: Exclude<AddressClass, 'public'>; list: BlockList }[] = [];

function networks(kind: Exclude<AddressClass, 'public'>, ipv4: [string, number][], ipv6: [string, number][]): void {
  const list = new BlockList();
  for (const [prefix, length] of ipv4) list.addSubnet(prefix, length, 'ipv4');
  for (const [prefix, length] of ipv6) list.addSubnet(prefix, length, 'ipv6');
  NETWORKS.push({ kind, list });
}

// In order: the first that holds an address names its class (100.100.100.200 is also carrier-grade NAT).
networks(
  'metadata',
  METADATA_ADDRESSES.filter((address) => isIPv4(address)).map((address) => [address, 32]),
  METADATA_ADDRESSES.filter((address) => isIPv6(address)).map((address) => [address, 128]),
);
networks('linkLocal', [['169.254.0.0', 16]], [['fe80::', 10]]);
// 0.0.0.0 and :: connect to this machine on Linux and macOS.
networks(
  'loopback',
  [
    ['127.0.0.0', 8],
    ['0.0.0.0', 8],
  ],
  [
    ['::1', 128],
    ['::', 128],
  ],
);
networks(
  'private',
  [
    ['10.0.0.0', 8],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['100.64.0.0', 10], // carrier-grade NAT
    ['192.0.0.0', 24], // IETF protocol assignments, not routed on the internet
  ],
  [
    ['fc00::', 7], // unique local
    ['fec0::', 10], // the old site-local
  ],
);

/**
 * The class of an IP literal (brackets and a zone id allowed), or undefined for anything that is
 * not an IP address.
 */
export function classifyAddress(address: string): AddressClass | undefined {
  const ip = normaliseIp(address);
  if (ip === undefined) return undefined;
  // One SocketAddress for every list: each check(ip, family) would build its own.
  const socketAddress = new SocketAddress({ address: ip, family: isIPv4(ip) ? 'ipv4' : 'ipv6' });
  return NETWORKS.find(({ list }) => list.check(socketAddress))?.kind ?? 'public';
}

/**
 * An IP literal as the address a connection would reach: a dotted quad for IPv4 and for an IPv4
 * address carried in IPv6, otherwise compressed lower-case IPv6 without brackets or zone.
 */
export function normaliseIp(text: string): string | undefined {
  let candidate = text.trim();
  if (candidate.startsWith('[') && candidate.endsWith(']')) candidate = candidate.slice(1, -1);
  // A zone id names an interface on this machine, not another address.
  const zone = candidate.indexOf('%');
  if (zone > 0 && candidate.includes(':')) candidate = candidate.slice(0, zone);
  if (isIPv4(candidate)) return candidate;
  if (!isIPv6(candidate)) return undefined;
  const canonical = new URL(`http://[${candidate}]/`).hostname.slice(1, -1);
  return embeddedIpv4(ipv6Groups(canonical)) ?? canonical;
}

/** The IPv4 address an IPv6 one carries (mapped, translated, compatible or NAT64), if any. */
function embeddedIpv4(groups: number[]): string | undefined {
  const zerosUpTo = (end: number): boolean => groups.slice(0, end).every((group) => group === 0);
  const mapped = zerosUpTo(5) && groups[5] === 0xffff; // ::ffff:a.b.c.d
  const translated = zerosUpTo(4) && groups[4] === 0xffff && groups[5] === 0; // ::ffff:0:a.b.c.d
  // ::a.b.c.d, but not :: and ::1, which are IPv6's own.
  const compatible = zerosUpTo(6) && (groups[6] !== 0 || groups[7]! > 1);
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0); // 64:ff9b::/96
  if (!mapped && !translated && !compatible && !nat64) return undefined;
  const high = groups[6]!;
  const low = groups[7]!;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight groups of a canonical (hex only) IPv6 address. */
function ipv6Groups(canonical: string): number[] {
  const [head = '', tail] = canonical.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
