/**
 * Loopback and private addresses, and the rule that a repository's unapproved write request may
 * not reach them (core/targets/workspaceEntryPolicy.ts says which entries). Services on this
 * machine and the private network often take unauthenticated writes (a dev server's admin
 * route, a router, a database's HTTP port), so a cloned repository's settings must not send them
 * a POST every interval. Checked on every hop, after the name is resolved, so neither a name that
 * resolves to 127.0.0.1 nor a redirect gets a write there.
 *
 * Link-local and cloud metadata addresses have their own, stricter rule (networkPolicy.ts).
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { ProbeFailure } from './failure';

/** The ranges, in words, for messages. */
export const PRIVATE_RANGES =
  '127.0.0.0/8, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.0.0/16, 0.0.0.0/8, ::1, fc00::/7 and fe80::/10';

function privateRanges(): BlockList {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addSubnet('10.0.0.0', 8, 'ipv4');
  list.addSubnet('172.16.0.0', 12, 'ipv4');
  list.addSubnet('192.168.0.0', 16, 'ipv4');
  list.addSubnet('100.64.0.0', 10, 'ipv4');
  list.addSubnet('169.254.0.0', 16, 'ipv4');
  list.addSubnet('0.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
  list.addAddress('::', 'ipv6');
  list.addSubnet('fc00::', 7, 'ipv6');
  list.addSubnet('fe80::', 10, 'ipv6');
  return list;
}

const PRIVATE = privateRanges();

/** True for loopback, private, shared (CGNAT), link-local and unspecified addresses, in any spelling BlockList understands (IPv4-mapped IPv6 included). */
export function isLoopbackOrPrivate(address: string): boolean {
  const plain = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIPv4(plain)) return PRIVATE.check(plain, 'ipv4');
  if (isIPv6(plain)) return PRIVATE.check(plain, 'ipv6');
  return false;
}

/** Throws the refusal when a write request of a target that needs public addresses would reach a private one. */
export function assertWriteAllowed(addresses: readonly string[], host: string, write: boolean, writesNeedPublicAddress: boolean): void {
  if (!write || !writesNeedPublicAddress) return;
  const blocked = addresses.find(isLoopbackOrPrivate);
  if (blocked === undefined) return;
  const named = blocked === host ? blocked : `${host} (${blocked})`;
  throw new ProbeFailure(
    'BLOCKED',
    `Not sent: ${named} is on this machine or a private network (${PRIVATE_RANGES}), and a target from workspace or folder settings may only send GET or HEAD without a body there until you approve it. Run "Network Monitor: Approve Workspace Target" to allow this exact entry.`,
  );
}
