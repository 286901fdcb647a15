/**
 * A web site on 127.0.0.1 that an end-to-end test stops and starts again on the same port, so a
 * target's URL goes down and comes back; it counts the requests it answered.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class RestartableSite {
  private server: Server | undefined;
  port = 0;
  /** Requests answered since the site was made. */
  hits = 0;
  /** The headers of every request answered, oldest first. */
  readonly receivedHeaders: IncomingHttpHeaders[] = [];

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      this.hits++;
      this.receivedHeaders.push(request.headers);
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // The same port again after a stop, so the target's URL still reaches it.
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
