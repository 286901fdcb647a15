/**
 * What a check may send where, decided before any byte leaves: addresses a target may not reach,
 * where a redirect may lead, and which request headers may follow a redirect to another origin.
 *
 * A cloned repository's settings are not the user's own words. Cloud metadata services hand out
 * credentials to whoever asks from the machine, so a workspace's target may not address them nor
 * any link-local address; the user's own settings may. A server's redirect is nobody's words: it
 * may never lead to a metadata service, and may not lead further inside than where it came from
 * (from the internet into a private network or this machine, from a private network into this
 * machine), which would let any monitored site probe the user's own services.
 */
import { classifyAddress, METADATA_ADDRESSES, type AddressClass } from './addressClass';
import { ProbeFailure } from './failure';

/** The addresses a workspace- or folder-level target may not connect to, in words. */
export const LINK_LOCAL_RANGES = '169.254.0.0/16 and fe80::/10';

/** How a hop came about, which decides the addresses it may reach. */
export interface HopOrigin {
  /** The target comes from workspace or folder settings: no link-local or metadata address. */
  blockLinkLocal: boolean;
  /** Set when this hop follows a redirect: the class of the address that sent it. */
  redirectedFrom?: AddressClass;
  /** Classifies an address; a test may place a loopback server on the internet with it. */
  classify?: (address: string) => AddressClass | undefined;
}

/** How far inside a network an address is; a redirect may not go further in than it came from. */
const DEPTH: Record<AddressClass, number> = { public: 0, private: 1, linkLocal: 1, metadata: 1, loopback: 2 };

const CLASS_NAMES: Record<AddressClass, string> = {
  public: 'an internet address',
  private: 'a private network address',
  linkLocal: 'a link-local address',
  metadata: 'a cloud metadata address',
  loopback: 'an address of this machine',
};

/** Why the hop may not connect to this address, or undefined when it may. */
export function refusalFor(address: string, host: string, origin: HopOrigin): string | undefined {
  const redirected = origin.redirectedFrom !== undefined;
  // The first hop of the user's own target may go anywhere; skipping the lookup keeps it off every check's path.
  if (!origin.blockLinkLocal && !redirected) return undefined;
  const kind = (origin.classify ?? classifyAddress)(address) ?? 'public';
  const named = address === host ? address : `${host} (${address})`;
  if (kind === 'metadata') {
    const who = redirected ? 'a redirect from a server may never lead' : 'a target from workspace or folder settings may not reach';
    return `Blocked: ${named} is a cloud metadata address (${METADATA_ADDRESSES.join(', ')}), which ${who}.${redirected ? '' : ' Add the target to your user settings if you mean it.'}`;
  }
  if (kind === 'linkLocal' && origin.blockLinkLocal) {
    return `Blocked: ${named} is a link-local address (${LINK_LOCAL_RANGES}), which a target from workspace or folder settings may not reach. Add the target to your user settings if you mean it.`;
  }
  if (redirected && DEPTH[kind] > DEPTH[origin.redirectedFrom!]) {
    return `Blocked: a redirect leads from ${CLASS_NAMES[origin.redirectedFrom!]} to ${named}, ${CLASS_NAMES[kind]}, and a server may not send a check further into the network than itself; not followed. Point the target at that URL if you mean it.`;
  }
  return undefined;
}

/** Throws the refusal when the hop may not reach one of these addresses (a check connects to any of them). */
export function assertAddressesAllowed(addresses: readonly string[], host: string, origin: HopOrigin): void {
  for (const address of addresses) {
    const refusal = refusalFor(address, host, origin);
    if (refusal !== undefined) throw new ProbeFailure('BLOCKED', refusal);
  }
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

/**
 * Why a redirect that keeps the method and body (307, 308, or 301/302 for anything but POST) may
 * not be followed, or undefined when it may. Sending the entry's body and method to another
 * origin would let the first server aim the user's request (a POST with a token in its body, a
 * DELETE) at anyone, so that is refused; going from http to https on the same host is only the
 * same server asking for encryption, and is followed.
 */
export function resendRefusal(method: string, body: string | undefined, current: URL, next: URL): string | undefined {
  const keepsNothing = (method === 'GET' || method === 'HEAD') && body === undefined;
  if (keepsNothing || current.origin === next.origin) return undefined;
  const upgrade = current.protocol === 'http:' && next.protocol === 'https:' && current.hostname === next.hostname;
  if (upgrade) return undefined;
  return `Blocked: a redirect to another origin (${next.origin}) would send this ${method} request${body === undefined ? '' : ' and its body'} there; not followed. Point the target at that URL if you mean it.`;
}

/** Whether any header of this request carries a value from Secret Storage. */
export function carriesSecrets(headers: Readonly<Record<string, string>>, secretHeaderNames: readonly string[]): boolean {
  return secretHeaderNames.some((name) => name in headers);
}
