/** Opening the connection ourselves, so connect and TLS are timed separately and the certificate is read. */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { abortPromise } from './dnsResolver';

/** Connects to the first address that accepts; a refused or unreachable address falls through to the next. */
export async function connectTcp(addresses: readonly string[], port: number, signal: AbortSignal): Promise<Socket> {
  let lastError: unknown;
  for (const address of addresses) {
    try {
      return await connectOne(address, port, signal);
    } catch (error) {
      lastError = error;
      const code = (error as NodeJS.ErrnoException).code;
      if (signal.aborted || (code !== 'ECONNREFUSED' && code !== 'EHOSTUNREACH' && code !== 'ENETUNREACH' && code !== 'EADDRNOTAVAIL')) break;
    }
  }
  throw lastError;
}

function connectOne(address: string, port: number, signal: AbortSignal): Promise<Socket> {
  const socket = netConnect({ host: address, port, noDelay: true });
  return settleSocket(socket, 'connect', signal);
}

/**
 * The handshake always completes without rejecting the certificate, so its details are recorded even
 * when it will fail verification; the caller decides whether to fail.
 */
export function startTls(socket: Socket, host: string, signal: AbortSignal): Promise<TLSSocket> {
  const tlsSocket = tlsConnect({
    socket,
    servername: isIP(host) ? undefined : host,
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
  });
  return settleSocket(tlsSocket, 'secureConnect', signal);
}

function settleSocket<T extends Socket>(socket: T, readyEvent: string, signal: AbortSignal): Promise<T> {
  const abort = abortPromise(signal);
  const ready = new Promise<T>((resolve, reject) => {
    socket.once(readyEvent, () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
  return Promise.race([ready, abort.promise]).then(
    (value) => {
      abort.dispose();
      return value;
    },
    (error: unknown) => {
      abort.dispose();
      socket.destroy();
      throw error;
    },
  );
}
