/**
 * Servers the tests start on 127.0.0.1 (port 0), one per behaviour a prober must get right. Every
 * server is closed by `close()`, which also destroys open connections so no test leaves a socket.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { KeyAndCert } from './certificates';

export interface RunningServer {
  port: number;
  /** `http://127.0.0.1:port` or `https://...` (tcp servers: `tcp://127.0.0.1:port`). */
  origin: string;
  close(): Promise<void>;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

function track(server: Server | TcpServer): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

async function listen(server: Server | TcpServer, scheme: string, host = '127.0.0.1'): Promise<RunningServer> {
  const close = track(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no port');
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { port: address.port, origin: `${scheme}://${shownHost}:${address.port}`, close };
}

export function startHttpServer(handler: Handler, host?: string): Promise<RunningServer> {
  return listen(createHttpServer(handler), 'http', host);
}

export function startHttpsServer(credentials: KeyAndCert, handler: Handler): Promise<RunningServer> {
  return listen(createHttpsServer({ key: credentials.key, cert: credentials.cert }, handler), 'https');
}

/** A TCP server that runs `onConnection` for every accepted socket. */
export function startTcpServer(onConnection: (socket: Socket) => void): Promise<RunningServer> {
  return listen(createTcpServer(onConnection), 'tcp');
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = await startTcpServer(() => {});
  await server.close();
  return server.port;
}

/** Accepts connections and never says a word. */
export function startHangingServer(): Promise<RunningServer> {
  return startTcpServer(() => {});
}

/** Accepts, reads the request, and answers with a TCP reset. */
export function startResettingServer(): Promise<RunningServer> {
  return startTcpServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
}

/**
 * Streams an endless (or `totalBytes`-long) body, respecting backpressure, until the client goes
 * away. `sentBytes()` tells how much the server managed to push.
 */
export async function startHugeBodyServer(totalBytes = 1024 ** 3): Promise<RunningServer & { sentBytes(): number }> {
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const server = await startHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(totalBytes) });
    let remaining = totalBytes;
    const pump = (): void => {
      while (remaining > 0 && !response.destroyed) {
        const piece = remaining >= chunk.length ? chunk : chunk.subarray(0, remaining);
        remaining -= piece.length;
        sent += piece.length;
        if (!response.write(piece)) {
          response.once('drain', pump);
          return;
        }
      }
      if (remaining === 0) response.end();
    };
    response.on('close', () => {
      remaining = 0;
    });
    pump();
  });
  return { ...server, sentBytes: () => sent };
}

/** Sends the status line, headers and a first part of the body, then stalls. */
export function startStallingBodyServer(): Promise<RunningServer> {
  return startHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000000' });
    response.write('the first part of a body that never finishes');
  });
}

/**
 * Answers after `delayMs`, and records how long each request spent in the server (from the request
 * arriving to the response's last byte handed to the kernel), the truth a probe's timing is held to.
 */
export async function startDelayServer(delayMs: number): Promise<RunningServer & { serverTimes: number[] }> {
  const serverTimes: number[] = [];
  const server = await startHttpServer((_request, response) => {
    const arrived = performance.now();
    setTimeout(() => {
      response.end('ok', () => serverTimes.push(performance.now() - arrived));
    }, delayMs);
  });
  return { ...server, serverTimes };
}

/** One request as an echo server received it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A server that answers every request with all it received (method, path, headers, body) as
 * JSON, as httpbin's /anything does, and records it; `/unsupported-redirect` instead redirects to
 * an ftp:// URL carrying the request's headers, URL-encoded, so a Location quotes them too.
 */
export async function startEchoServer(): Promise<RunningServer & { received: ReceivedRequest[] }> {
  const received: ReceivedRequest[] = [];
  const server = await startHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const echo: ReceivedRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(echo);
      if (request.url === '/unsupported-redirect') {
        response.writeHead(302, { location: `ftp://echo.test/?headers=${encodeURIComponent(JSON.stringify(echo.headers))}` }).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echo }));
    });
  });
  return { ...server, received };
}
