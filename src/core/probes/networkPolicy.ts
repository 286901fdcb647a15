/**
 * What a check may send where, decided before any byte leaves: addresses a target from a
 * workspace may not reach, and which request headers may follow a redirect to another origin.
 *
 * A cloned repository's settings are not the user's own words. Cloud metadata services answer on
 * link-local addresses (169.254.169.254, fd00:ec2::254) and hand out credentials to whoever asks
 * from the machine, so a workspace's target may not address them; the user's own settings may.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ProbeFailure } from './failure';

/** The addresses a workspace- or folder-level target may not connect to, in words. */
export const LINK_LOCAL_RANGES = '169.254.0.0/16, fe80::/10 and fd00:ec2::254';

/** True for link-local and cloud metadata addresses (IPv4, IPv6, and IPv4-mapped IPv6). */
export function isLinkLocalOrMetadata(address: string): boolean {
  const plain = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIPv4(plain)) return plain.startsWith('169.254.');
  if (!isIPv6(plain)) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
  if (mapped) return mapped[1]!.startsWith('169.254.');
  const groups = expandIpv6(plain);
  // fe80::/10: the first ten bits are 1111 1110 10.
  if ((groups[0]! & 0xffc0) === 0xfe80) return true;
  return groups.join(':') === [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254].join(':');
}

/** Throws the refusal when the target may not reach any of these addresses. */
export function assertAddressesAllowed(addresses: readonly string[], host: string, blockLinkLocal: boolean): void {
  if (!blockLinkLocal) return;
  const blocked = addresses.find(isLinkLocalOrMetadata);
  if (blocked === undefined) return;
  const named = blocked === host ? blocked : `${host} (${blocked})`;
  throw new ProbeFailure(
    'BLOCKED',
    `Not checked: ${named} is a link-local or cloud metadata address (${LINK_LOCAL_RANGES}), which a target from workspace or folder settings may not reach. Add the target to your user settings if you mean it.`,
  );
}

/** Headers that carry credentials by their nature, whatever their value. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/**
 * The headers that may go on to `next` after a redirect from `current`. Within one origin
 * (scheme, host and port) every header stays; to another origin, credentials are dropped, as
 * browsers and curl do: the credential headers above and every header whose value came from
 * Secret Storage.
 */
export function headersForRedirect(
  headers: Readonly<Record<string, string>>,
  secretHeaderNames: readonly string[],
  current: URL,
  next: URL,
): Record<string, string> {
  if (current.origin === next.origin) return { ...headers };
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (CREDENTIAL_HEADERS.has(name) || secretHeaderNames.includes(name)) continue;
    kept[name] = value;
  }
  return kept;
}

/** Whether any header of this request carries a value from Secret Storage. */
export function carriesSecrets(headers: Readonly<Record<string, string>>, secretHeaderNames: readonly string[]): boolean {
  return secretHeaderNames.some((name) => name in headers);
}

function expandIpv6(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}
