/** Turns the errors of sockets, TLS and undici into a reason code and a sentence for the user. */
import type { FailureReason } from './checkResult';
import { DnsError } from './dnsResolver';

export interface Failure {
  reason: FailureReason;
  message: string;
}

/** A failure a probe raises on purpose, already classified. */
export class ProbeFailure extends Error implements Failure {
  constructor(
    readonly reason: FailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeFailure';
  }
}

const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/;

export function classifyError(error: unknown, where: string): Failure {
  if (error instanceof ProbeFailure) return { reason: error.reason, message: error.message };
  if (error instanceof DnsError) return { reason: 'DNS_ERROR', message: error.message };
  const err = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = err?.code ?? err?.cause?.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'CONNECTION_REFUSED', message: `Connection refused by ${where}: nothing is listening on that port.` };
    case 'ECONNRESET':
    case 'EPIPE':
      return { reason: 'CONNECTION_RESET', message: `${where} reset the connection.` };
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { reason: 'CONNECTION_RESET', message: `${where} closed the connection before a complete response.` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason: 'DNS_ERROR', message: `Could not resolve ${where}.` };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { reason: 'ERROR', message: `No route to ${where} (${code}).` };
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_STATUS':
    case 'UND_ERR_INVALID_ARG':
      return { reason: 'ERROR', message: `${where} did not answer with valid HTTP (${code}).` };
  }
  if (TLS_CODES.test(code)) return { reason: 'TLS_ERROR', message: `TLS handshake with ${where} failed: ${err.message}` };
  return { reason: 'ERROR', message: `${where}: ${err?.message ?? String(error)}` };
}
