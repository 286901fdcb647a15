/**
 * How one window of this extension recognises another serving the API without handing it the
 * token: the asker sends a random nonce to GET /api/identify (no token needed), and the server
 * answers with HMAC-SHA256(token, "network-monitor-api-identify:<port>:<nonce>"). Only a holder of
 * the shared token can compute it, and the port in the message stops a program on this port from
 * relaying the question to a window listening on another one. The answer reveals nothing else.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const IDENTIFY_PATH = '/api/identify';
export const IDENTIFY_SERVICE = 'network-monitor';
/** A nonce is 32 random bytes in lowercase hex. */
export const NONCE_PATTERN = /^[0-9a-f]{64}$/;
const PROOF_PATTERN = /^[0-9a-f]{64}$/;

/** A fresh nonce for one question. */
export function createIdentifyNonce(): string {
  return randomBytes(32).toString('hex');
}

export function isValidNonce(nonce: string | null | undefined): nonce is string {
  return typeof nonce === 'string' && NONCE_PATTERN.test(nonce);
}

/** The proof a holder of `token` gives for `nonce` on `port` (hex). */
export function identityProof(token: string, port: number, nonce: string): string {
  return createHmac('sha256', token).update(`network-monitor-api-identify:${port}:${nonce}`).digest('hex');
}

/** True when `proof` is the one `token` gives for this port and nonce; compared in constant time. */
export function proofMatches(proof: unknown, token: string, port: number, nonce: string): boolean {
  if (typeof proof !== 'string' || !PROOF_PATTERN.test(proof)) return false;
  const expected = Buffer.from(identityProof(token, port, nonce), 'hex');
  return timingSafeEqual(Buffer.from(proof, 'hex'), expected);
}
