/**
 * The CONNECT tunnel an HTTPS check opens through a proxy, on the connection the probe opened (and
 * timed) itself: the TLS handshake with the target then runs inside it, so the certificate is the
 * target's and the proxy sees only the host and port.
 */
import type { Socket } from 'node:net';
import type { Deadline } from './deadline';
import { ProbeFailure } from './failure';

/** A proxy's answer to CONNECT is a status line and a few headers; more than this is not one. */
const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

/**
 * Asks the proxy for a tunnel to `host:port` and resolves with the same socket once the proxy
 * answered 2xx. `authorization` is the Proxy-Authorization value, for this proxy only.
 */
export function openTunnel(
  socket: Socket,
  host: string,
  port: number,
  authorization: string | undefined,
  proxyName: string,
  deadline: Deadline,
): Promise<Socket> {
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  // Written as raw bytes, so a value that could end the header block is refused here.
  if (authorization !== undefined && /[\r\n\0]/.test(authorization)) {
    socket.destroy();
    return Promise.reject(new ProbeFailure('ERROR', `The Proxy-Authorization for ${proxyName} holds a line break or NUL; not sent.`));
  }
  if (authorization !== undefined) lines.push(`Proxy-Authorization: ${authorization}`);
  const request = `${lines.join('\r\n')}\r\n\r\n`;

  return new Promise<Socket>((resolve, reject) => {
    if (deadline.expired) {
      socket.destroy();
      reject(deadline.reason);
      return;
    }
    let received = Buffer.alloc(0);
    const finish = (error: unknown): void => {
      unregister();
      socket.removeListener('data', onData);
      socket.removeListener('error', finish);
      socket.removeListener('end', onEnd);
      if (error === undefined) {
        resolve(socket);
        return;
      }
      socket.destroy();
      reject(error);
    };
    const onEnd = (): void =>
      finish(new ProbeFailure('ERROR', `The proxy ${proxyName} closed the connection instead of answering CONNECT.`));
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd === -1) {
        if (received.length > MAX_RESPONSE_HEAD_BYTES)
          finish(
            new ProbeFailure('ERROR', `The proxy ${proxyName} sent an answer to CONNECT larger than ${MAX_RESPONSE_HEAD_BYTES} bytes.`),
          );
        return;
      }
      // Pause before giving the socket back, so no byte of the target's is read and lost.
      socket.pause();
      const failure = tunnelFailure(received.subarray(0, headEnd).toString('latin1'), authority, authorization !== undefined, proxyName);
      const rest = received.subarray(headEnd + 4);
      if (failure === undefined && rest.length > 0) socket.unshift(rest);
      finish(failure);
    };
    const unregister = deadline.onCancel(finish);
    socket.on('data', onData);
    socket.once('error', finish);
    socket.once('end', onEnd);
    socket.write(request);
  });
}

/** Undefined for a tunnel that is open; else why the proxy refused it, in words. */
function tunnelFailure(head: string, authority: string, sentCredentials: boolean, proxyName: string): ProbeFailure | undefined {
  const statusLine = head.split('\r\n', 1)[0] ?? '';
  const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!match)
    return new ProbeFailure(
      'ERROR',
      `The proxy ${proxyName} did not answer CONNECT with HTTP (${JSON.stringify(statusLine.slice(0, 80))}).`,
    );
  const status = Number(match[1]);
  if (status >= 200 && status < 300) return undefined;
  const said = `${status}${match[2] ? ` ${match[2].slice(0, 80)}` : ''}`;
  if (status === 407) {
    return new ProbeFailure(
      'ERROR',
      sentCredentials
        ? `The proxy ${proxyName} rejected the stored proxy credentials (${said}).`
        : `The proxy ${proxyName} asks for credentials (${said}); store them for this proxy.`,
    );
  }
  return new ProbeFailure('ERROR', `The proxy ${proxyName} could not open a tunnel to ${authority} (${said}).`);
}
