/** Opening the connection ourselves, so connect and TLS are timed separately and the certificate is read. */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type SecureContext, type TLSSocket } from 'node:tls';
import type { Deadline } from './deadline';

const TRY_NEXT_ADDRESS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** An open connection and the address that accepted it (known without asking the socket, which costs a system call). */
export interface Connection {
  socket: Socket;
  address: string;
}

/** Connects to the first address that accepts; a refused or unreachable address falls through to the next. */
export async function connectTcp(addresses: readonly string[], port: number, deadline: Deadline): Promise<Connection> {
  let lastError: unknown = new Error('no address to connect to');
  for (const address of addresses) {
    try {
      return { socket: await settleSocket(netConnect({ host: address, port, noDelay: true }), 'connect', deadline), address };
    } catch (error) {
      lastError = error;
      if (deadline.expired || !TRY_NEXT_ADDRESS.has((error as NodeJS.ErrnoException).code ?? '')) break;
    }
  }
  throw lastError;
}

/**
 * The handshake always completes without rejecting the certificate, so its details are recorded even
 * when it will fail verification; the caller decides whether to fail.
 */
export function startTls(socket: Socket, host: string, deadline: Deadline, secureContext?: SecureContext): Promise<TLSSocket> {
  const tlsSocket = tlsConnect({
    socket,
    // Node checks the certificate's names against `servername`, else `host` (else "localhost"):
    // an IP address has no servername, so it must be given here.
    host,
    // The authorities to judge the certificate by (trustStore.ts); Node's bundled roots when absent.
    ...(secureContext ? { secureContext } : {}),
    servername: isIP(host) ? undefined : host,
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
  });
  return settleSocket(tlsSocket, 'secureConnect', deadline);
}

/** Resolves when the socket is ready; on error or cancellation the socket is destroyed. */
function settleSocket<T extends Socket>(socket: T, readyEvent: string, deadline: Deadline): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (deadline.expired) {
      socket.destroy();
      reject(deadline.reason);
      return;
    }
    const fail = (error: unknown): void => {
      unregister();
      socket.removeListener(readyEvent, onReady);
      socket.destroy();
      reject(error);
    };
    const onReady = (): void => {
      unregister();
      socket.removeListener('error', fail);
      resolve(socket);
    };
    const unregister = deadline.onCancel(fail);
    socket.once(readyEvent, onReady);
    socket.once('error', fail);
  });
}
