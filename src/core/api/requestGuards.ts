/**
 * The API's gatekeeping: which Host headers are ours (DNS rebinding defence), bearer tokens
 * compared in constant time, and token generation.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Only `localhost:<port>` and `127.0.0.1:<port>` name this server. A web page that rebinds its
 * own host name to 127.0.0.1 still sends its own name in Host, so it is refused before any data
 * or auth check. Without a port the Host only matches when the server is on port 80.
 */
export function isAllowedHost(hostHeader: string | undefined, port: number): boolean {
  if (hostHeader === undefined) return false;
  const match = /^(localhost|127\.0\.0\.1)(?::(\d{1,5}))?$/i.exec(hostHeader.trim());
  if (!match) return false;
  const givenPort = match[2] === undefined ? 80 : Number(match[2]);
  return givenPort === port;
}

/**
 * True when `authorization` is `Bearer <expected>`. Both sides are hashed first so the comparison
 * takes the same time whatever the length or the first differing byte of what was sent.
 */
export function bearerTokenMatches(authorization: string | undefined, expected: string | undefined): boolean {
  if (expected === undefined || expected === '' || authorization === undefined) return false;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  const given = match?.[1] ?? '';
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && match !== null;
}

/** 32 random bytes, URL-safe: fits a header, a file and a shell variable without quoting. */
export function createApiToken(): string {
  return randomBytes(32).toString('base64url');
}
