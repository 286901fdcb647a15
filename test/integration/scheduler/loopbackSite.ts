/**
 * A web site on 127.0.0.1 that the scheduler tests can take down and bring back on the same port,
 * make fail or slow per path, and ask what it saw: every request's path and arrival time, and the
 * most requests it was serving at once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What a path answers: a status code, optionally after a delay; `hang` never answers. */
export type PathBehaviour = { status: number; delayMs?: number } | 'hang';

export interface SeenRequest {
  path: string;
  at: number;
}

export class LoopbackSite {
  readonly requests: SeenRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Decides each answer; the default answers 200 to everything. */
  behaviour: (path: string, seen: number) => PathBehaviour = () => ({ status: 200 });

  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(public port: number) {}

  static async start(): Promise<LoopbackSite> {
    const site = new LoopbackSite(0);
    await site.up();
    return site;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  requestsTo(path: string): SeenRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  /** Listens again (on the same port once it has one): the site comes back. */
  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((request, response) => this.answer(request, response));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('The test site has no port.');
    this.port = address.port;
    this.server = server;
  }

  /** Stops listening and drops every connection: checks now get "connection refused". */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.down();
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? '/', 'http://site').pathname;
    const seen = this.requestsTo(path).length;
    this.requests.push({ path, at: Date.now() });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      this.inFlight--;
    };
    response.on('close', finish);
    const behaviour = this.behaviour(path, seen);
    if (behaviour === 'hang') return;
    const send = (): void => {
      response.statusCode = behaviour.status;
      response.end(behaviour.status < 400 ? 'ok' : 'failing');
    };
    if (!behaviour.delayMs) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send();
    }, behaviour.delayMs);
    this.timers.add(timer);
  }
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
