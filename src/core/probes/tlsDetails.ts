/** Reads the server certificate of a TLS connection and explains why verification failed. */
import { checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { TlsDetails } from './checkResult';

const DAY_MS = 86_400_000;

export function readTlsDetails(socket: TLSSocket, host: string, now = Date.now()): TlsDetails {
  const cert = socket.getPeerCertificate(false) as PeerCertificate | Record<string, never>;
  const hasCert = 'valid_to' in cert && Boolean(cert.valid_to);
  const validTo = hasCert ? new Date(cert.valid_to) : undefined;
  const validFrom = hasCert ? new Date(cert.valid_from) : undefined;
  let authorizationError = socket.authorized ? undefined : describeAuthorizationError(String(socket.authorizationError ?? ''), validTo);
  if (!authorizationError && hasCert) {
    const identityError = checkServerIdentity(isIP(host) ? host : host.toLowerCase(), cert as PeerCertificate);
    if (identityError) authorizationError = `hostname mismatch: the certificate is not valid for ${host}`;
  }
  return {
    subject: hasCert ? formatName(cert.subject) : '',
    issuer: hasCert ? formatName(cert.issuer) : '',
    validFrom: validFrom && !Number.isNaN(validFrom.getTime()) ? validFrom.toISOString() : '',
    validTo: validTo && !Number.isNaN(validTo.getTime()) ? validTo.toISOString() : '',
    daysLeft: validTo ? Math.floor((validTo.getTime() - now) / DAY_MS) : 0,
    authorized: authorizationError === undefined,
    ...(authorizationError !== undefined ? { authorizationError } : {}),
  };
}

function formatName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  const cn = name.CN;
  const org = name.O;
  const parts = [cn, org].flat().filter((part): part is string => typeof part === 'string' && part.length > 0);
  return parts.join(', ');
}

/** Maps OpenSSL's verification codes to what a user needs to know. */
export function describeAuthorizationError(code: string, validTo?: Date): string {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'self-signed certificate';
    case 'CERT_HAS_EXPIRED':
      return `certificate expired${validTo ? ` on ${validTo.toISOString().slice(0, 10)}` : ''}`;
    case 'CERT_NOT_YET_VALID':
      return 'certificate is not valid yet';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'untrusted issuer: the certificate chain does not lead to a trusted CA';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'HOSTNAME_MISMATCH':
      return 'hostname mismatch';
    case 'CERT_REVOKED':
      return 'certificate revoked';
    default:
      return code ? `certificate not trusted (${code})` : 'certificate not trusted';
  }
}
