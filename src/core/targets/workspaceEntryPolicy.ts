/**
 * What an entry from workspace or folder settings may do without the user's say. Those settings
 * come with the folder the user opened (a cloned repository writes them), so trusting the
 * workspace is not the same as having written each entry. An entry in the user's own settings
 * may do anything; a repository's entry:
 *
 * - that sends a secret may not turn off certificate checks (`tlsVerify: false`) or trust an
 *   authority of its own (`ca`): either lets anyone on the path read the secret. Refused, with
 *   no way round it but moving the entry into the user's settings.
 * - that writes (any method but GET and HEAD, a body, or a method-override header) is repeated
 *   every interval: with the user's secret, or to a service on this machine or the private
 *   network, that is an action the user did not ask for. Such an entry waits until the user approves that exact entry once; the
 *   approval is remembered as a hash of the entry, so any change to it needs a new approval.
 *   A write without a secret to a host name may run unapproved, but the probe refuses it when the
 *   name resolves to a loopback or private address (core/probes/privateAddresses.ts).
 *
 * Pure, so it is tested under Node; the editor keeps the approvals and asks (vscode/config).
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { isLoopbackOrPrivate } from '../probes/privateAddresses';
import { parseTargetSpec, secretNamesIn, type TargetEntry } from './target';

/** Remembered approvals of repository entries, by `entryApprovalKey`. */
export type ApprovedEntries = (key: string) => boolean;

export const NO_APPROVALS: ApprovedEntries = () => false;

export type EntryVerdict =
  /** Checked. `writesNeedPublicAddress`: its requests may not go to loopback or private addresses. */
  | { kind: 'allowed'; writesNeedPublicAddress: boolean }
  /** Not checked, and no approval changes that. */
  | { kind: 'refused'; reason: string }
  /** Not checked until the user approves this exact entry. */
  | { kind: 'needsApproval'; reason: string; key: string };

/** Methods that only read; anything else, or a body, is a write. */
const READ_METHODS = new Set(['GET', 'HEAD']);

/** A stable hash of an entry as written: the same entry gives the same key whatever the order of its fields. */
export function entryApprovalKey(entry: TargetEntry): string {
  return createHash('sha256').update(canonicalJson(entry)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${fields.map(([name, field]) => `${JSON.stringify(name)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Headers many web frameworks take as the request's real method, so a GET with one can be a DELETE. */
const METHOD_OVERRIDE_HEADERS = new Set(['x-http-method-override', 'x-http-method', 'x-method-override']);

/**
 * Whether a request is a write: a method other than GET or HEAD, a body, or a header that
 * overrides the method with another one.
 */
export function isWriteRequest(method: string, body: string | undefined, headers: Readonly<Record<string, unknown>> = {}): boolean {
  if (!READ_METHODS.has(method.toUpperCase()) || body !== undefined) return true;
  return Object.entries(headers).some(
    ([name, value]) => METHOD_OVERRIDE_HEADERS.has(name.toLowerCase()) && !READ_METHODS.has(String(value).trim().toUpperCase()),
  );
}

/** Whether an entry's request is a write (isWriteRequest). */
export function isWriteEntry(entry: TargetEntry): boolean {
  if (typeof entry === 'string') return false;
  const method = typeof entry.method === 'string' ? entry.method : 'GET';
  const headers = typeof entry.headers === 'object' && entry.headers !== null ? entry.headers : {};
  return isWriteRequest(method, entry.body, headers);
}

/** The URL's host when it names this machine or a private network by itself (an address or localhost). */
function privateHostOf(entry: TargetEntry): string | undefined {
  const spec = parseTargetSpec(typeof entry === 'string' ? entry : String(entry.url));
  if (!spec.ok) return undefined;
  const host = spec.value.host.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return host;
  return isIP(host) !== 0 && isLoopbackOrPrivate(host) ? host : undefined;
}

/** The verdict on one entry: `fromUserSettings` entries are always allowed. */
export function judgeEntry(entry: TargetEntry, fromUserSettings: boolean, approved: ApprovedEntries): EntryVerdict {
  if (fromUserSettings || typeof entry === 'string') return { kind: 'allowed', writesNeedPublicAddress: false };
  const secrets = secretNamesIn(entry);
  if (secrets.length > 0 && (entry.tlsVerify === false || entry.ca !== undefined)) {
    const setting = entry.tlsVerify === false ? '"tlsVerify": false' : '"ca"';
    return {
      kind: 'refused',
      reason: `refused: it sends the secret "${secrets[0]}" and sets ${setting}, which would let anyone on the network between you and the server read it; an entry from workspace or folder settings may not. No request is sent. Remove ${setting}, or move the entry to your user settings if you mean it.`,
    };
  }
  if (!isWriteEntry(entry)) return { kind: 'allowed', writesNeedPublicAddress: false };
  const key = entryApprovalKey(entry);
  if (approved(key)) return { kind: 'allowed', writesNeedPublicAddress: false };
  const request = `${typeof entry.method === 'string' ? entry.method.toUpperCase() : 'GET'}${entry.body !== undefined ? ' with a body' : ''}`;
  if (secrets.length > 0) {
    return {
      kind: 'needsApproval',
      key,
      reason: `waiting for your approval: it would send your secret "${secrets[0]}" in a ${request} request every interval, and an entry from workspace or folder settings may only send GET or HEAD without a body on its own. No request is sent until you approve this exact entry.`,
    };
  }
  const privateHost = privateHostOf(entry);
  if (privateHost !== undefined) {
    return {
      kind: 'needsApproval',
      key,
      reason: `waiting for your approval: it would send a ${request} request to ${privateHost}, on this machine or your private network, every interval, and an entry from workspace or folder settings may only send GET or HEAD without a body there on its own. No request is sent until you approve this exact entry.`,
    };
  }
  return { kind: 'allowed', writesNeedPublicAddress: true };
}
