/**
 * A small set of local services for `npm start`, on 127.0.0.1 only, chosen so every state the
 * extension shows appears within a minute or two: up, slow (degraded), flapping, a certificate
 * problem, a bare TCP port, and a port nothing listens on.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import type { TargetEntryObject } from '../src/core/targets/target';
import { createSelfSigned } from '../test/support/certificates';

export interface DemoTarget {
  /** What the target shows off, for the console and the demo workspace's README. */
  description: string;
  entry: TargetEntryObject;
}

const SLOW_RESPONSE_MS = 800;
const FLAP_PERIOD_MS = 60_000;

export class DemoServerSet {
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private readonly startedAt = Date.now();
  private readonly servers: (Server | TcpServer)[] = [];
  readonly targets: DemoTarget[] = [];

  private constructor(private readonly host: string) {}

  static async start(host = '127.0.0.1'): Promise<DemoServerSet> {
    const set = new DemoServerSet(host);
    try {
      await set.startAll();
    } catch (error) {
      await set.dispose();
      throw error;
    }
    return set;
  }

  private async startAll(): Promise<void> {
    const http = createHttpServer((request, response) => this.handle(request, response));
    const httpPort = await this.listen(http);
    const base = `http://${this.host}:${httpPort}`;

    const tls = createSelfSigned([this.host, 'localhost']);
    const https = createHttpsServer({ key: tls.key, cert: tls.cert }, (request, response) => this.handle(request, response));
    const httpsPort = await this.listen(https);

    const tcp = createTcpServer((socket) => {
      // A TCP check connects and hangs up at once; the reset that follows is expected.
      socket.on('error', () => undefined);
      socket.end('demo-tcp ready\r\n');
    });
    const tcpPort = await this.listen(tcp);
    const closedPort = await this.unusedPort();

    this.targets.push(
      {
        description: 'answers at once with JSON; the check also asserts $.status equals "ok"',
        entry: { url: `${base}/api/health`, name: 'Demo: fast JSON API', interval: 15, jsonPath: '$.status', equals: 'ok' },
      },
      {
        description: `answers after about ${SLOW_RESPONSE_MS} ms, over its 500 ms latency budget: degraded`,
        entry: { url: `${base}/slow`, name: 'Demo: slow page', interval: 15, latencyBudgetMs: 500 },
      },
      {
        description: `returns 200 and 500 in turn, switching every ${FLAP_PERIOD_MS / 1000} s`,
        entry: { url: `${base}/flaky`, name: 'Demo: flapping service', interval: 10 },
      },
      {
        description: 'HTTPS with a self-signed certificate: down with a certificate error until tlsVerify is set to false',
        entry: { url: `https://${this.host}:${httpsPort}/api/health`, name: 'Demo: self-signed HTTPS', interval: 30 },
      },
      {
        description: 'a TCP port that accepts connections',
        entry: { url: `tcp://${this.host}:${tcpPort}`, name: 'Demo: TCP service', interval: 20 },
      },
      {
        description: 'a port nothing listens on: connection refused',
        entry: { url: `tcp://${this.host}:${closedPort}`, name: 'Demo: closed port', interval: 30 },
      },
    );
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? '/', 'http://demo').pathname;
    if (path === '/api/health') {
      sendJson(response, 200, { status: 'ok', service: 'demo', uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) });
    } else if (path === '/slow') {
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        sendJson(response, 200, { status: 'ok', delayedMs: SLOW_RESPONSE_MS });
      }, SLOW_RESPONSE_MS);
      this.pendingTimers.add(timer);
    } else if (path === '/flaky') {
      const healthy = Math.floor((Date.now() - this.startedAt) / FLAP_PERIOD_MS) % 2 === 0;
      sendJson(response, healthy ? 200 : 500, { status: healthy ? 'ok' : 'failing' });
    } else {
      sendJson(response, 404, { error: `No demo endpoint at ${path}` });
    }
  }

  private listen(server: Server | TcpServer): Promise<number> {
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.host, () => resolve((server.address() as AddressInfo).port));
    });
  }

  /** A port that was free a moment ago: bound, then released. */
  private unusedPort(): Promise<number> {
    const probe = createTcpServer();
    return new Promise((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(0, this.host, () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
  }

  async dispose(): Promise<void> {
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.pendingTimers.clear();
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
    this.servers.length = 0;
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
