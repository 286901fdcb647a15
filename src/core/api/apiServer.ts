/**
 * The optional local HTTP API: seed-compatible JSON under /api and Prometheus metrics at
 * /metrics, on 127.0.0.1 only.
 *
 * Every request passes, in order: the time and size limits for receiving it (408, 413), the Host
 * check (403: a DNS-rebinding page sends its own host name), the bearer token (401; /metrics may
 * be exempt, and /api/identify needs none: it only proves this server holds the token), then
 * the route (404, 405) and its parameters (400). A handler that fails unexpectedly answers
 * a JSON 500 and is reported through `onError`; fuzzing finds none.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiDataSource } from './apiDataSource';
import { ApiError, ApiListenError, ApiPortInUseError } from './apiErrors';
import { ApiRouter, JSON_CONTENT_TYPE, type RouteResponse } from './apiRoutes';
import type { WindowName } from './queryParams';
import { identityProof } from './identityChallenge';
import { bearerTokenMatches, isAllowedHost } from './requestGuards';

export interface ApiServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** The only address the API ever binds. */
  host?: '127.0.0.1';
  /** The bearer token every request must carry; undefined refuses every token-protected route. */
  token: string | undefined;
  /** Lets /metrics answer without the token, for a Prometheus scraping this machine. */
  allowUnauthenticatedMetrics: boolean;
  /** One origin allowed to read responses from a browser, e.g. `http://localhost:3000`; none by default. */
  corsOrigin?: string;
  source: ApiDataSource;
  /** Largest request body accepted (default 16 KiB); the API takes no bodies worth more. */
  maxBodyBytes?: number;
  /** Time to receive a whole request, headers and body (default 10 s). */
  requestTimeoutMs?: number;
  /** How long a computed /api/status answer is reused (default 1 s). */
  statusCacheMs?: number;
  /** How long per-window statistics are reused (default 5 s for 1h up to 60 s for 30d); 0 recomputes them. */
  statsCacheMs?: Partial<Record<WindowName, number>>;
  /** Hears failures the client only sees as a 500 (a bug), for the log. */
  onError?: (error: unknown) => void;
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const CORS_MAX_AGE_SECONDS = '600';

/** Throws a readable error unless `origin` is a bare origin like `http://localhost:3000`. */
export function validateCorsOrigin(origin: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(origin);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.origin !== origin) {
    throw new Error(
      `"${origin}" is not an origin. Write a scheme, host and optional port with no path or trailing slash, like http://localhost:3000.`,
    );
  }
  return origin;
}

export class ApiServer {
  private readonly server: Server;
  private readonly router: ApiRouter;
  private readonly maxBodyBytes: number;
  private readonly requestTimeoutMs: number;
  private readonly corsOrigin: string | undefined;
  private listeningPort: number | undefined;
  private disposed = false;
  private token: string | undefined;

  constructor(private readonly options: ApiServerOptions) {
    this.token = options.token;
    if (options.host !== undefined && options.host !== '127.0.0.1') throw new Error('The API binds 127.0.0.1 only.');
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      throw new Error(`The API port must be a whole number from 1 to 65535 (got ${options.port}).`);
    }
    this.corsOrigin = options.corsOrigin ? validateCorsOrigin(options.corsOrigin) : undefined;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.router = new ApiRouter(options.source, {
      statusCacheMs: options.statusCacheMs,
      statsCacheMs: options.statsCacheMs,
      proveIdentity: (nonce) => (this.token ? identityProof(this.token, this.listeningPort ?? this.options.port, nonce) : undefined),
    });
    this.server = createServer(
      {
        // Node's own limits stop clients that never finish their headers (it answers a bare 408);
        // the body phase has a JSON 408 of its own below.
        headersTimeout: this.requestTimeoutMs,
        requestTimeout: this.requestTimeoutMs + 1_000,
        connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(this.requestTimeoutMs / 4))),
        maxHeaderSize: 16 * 1024,
      },
      (request, response) => this.receive(request, response),
    );
    this.server.keepAliveTimeout = 5_000;
  }

  /** The port listened on, once started. */
  get port(): number | undefined {
    return this.listeningPort;
  }

  /**
   * Serves with another token from the next request on, without letting the port go: the old
   * token is refused at once and no other process can take the port in between.
   */
  setToken(token: string | undefined): void {
    this.token = token;
  }

  /** Rejects with `ApiPortInUseError` when the port is taken, `ApiListenError` for other refusals. */
  start(): Promise<{ port: number }> {
    if (this.disposed) return Promise.reject(new Error('The API server was stopped; create a new one.'));
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        this.server.off('listening', onListening);
        if (error.code === 'EADDRINUSE') reject(new ApiPortInUseError(this.options.port));
        else if (error.code === 'EACCES') {
          reject(
            new ApiListenError(
              this.options.port,
              error.code,
              `Port ${this.options.port} needs administrator rights. Choose a port above 1023.`,
            ),
          );
        } else
          reject(
            new ApiListenError(this.options.port, error.code, `The API cannot listen on 127.0.0.1:${this.options.port}: ${error.message}`),
          );
      };
      const onListening = (): void => {
        this.server.off('error', onError);
        this.listeningPort = (this.server.address() as AddressInfo).port;
        resolve({ port: this.listeningPort });
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen({ port: this.options.port, host: '127.0.0.1', exclusive: true });
    });
  }

  /** Stops listening and drops every open connection, idle or not. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  // ---- One request -----------------------------------------------------------------------------

  private receive(request: IncomingMessage, response: ServerResponse): void {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > this.maxBodyBytes) {
      this.sendError(request, response, this.tooLarge(), true);
      return;
    }
    let size = 0;
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      this.sendError(
        request,
        response,
        new ApiError('request_timeout', `The request was not received within ${this.requestTimeoutMs} ms. Send it again in one go.`),
        true,
      );
    }, this.requestTimeoutMs);
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.maxBodyBytes && !done) {
        done = true;
        clearTimeout(timer);
        this.sendError(request, response, this.tooLarge(), true);
      }
    });
    // A client that goes away (or a connection closed by dispose) leaves no timer behind.
    request.on('close', () => clearTimeout(timer));
    request.on('error', () => {
      done = true;
      clearTimeout(timer);
    });
    request.on('end', () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.handle(request, response).catch((error: unknown) => this.fail(request, response, error));
    });
  }

  private tooLarge(): ApiError {
    return new ApiError(
      'payload_too_large',
      `The request body is larger than ${this.maxBodyBytes} bytes. The API needs no body; send none.`,
    );
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const port = this.listeningPort ?? this.options.port;
    if (!isAllowedHost(request.headers.host, port)) {
      throw new ApiError(
        'forbidden_host',
        `Requests must be addressed to localhost:${port} or 127.0.0.1:${port}; the Host header "${clip(request.headers.host ?? '')}" is refused to protect the API from DNS rebinding.`,
      );
    }
    const target = request.url ?? '';
    if (!target.startsWith('/')) throw new ApiError('bad_request', 'The request target must be a path starting with "/".');
    const queryAt = target.indexOf('?');
    const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
    const method = request.method ?? 'GET';

    if (method === 'OPTIONS' && this.isPreflight(request)) {
      this.send(request, response, 204, undefined, {
        'Access-Control-Allow-Methods': 'GET, HEAD, POST',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type',
        'Access-Control-Max-Age': CORS_MAX_AGE_SECONDS,
      });
      return;
    }

    const match = this.router.match(method, rawPath);
    const exempt = match?.access === 'public' || (match?.access === 'metrics' && this.options.allowUnauthenticatedMetrics);
    if (!exempt && !bearerTokenMatches(request.headers.authorization, this.token)) {
      const message =
        this.token === undefined
          ? 'The API has no token yet, so it accepts no requests. Enable the API in the settings and run "Network Monitor: Copy API Token".'
          : 'This request needs the API token: send "Authorization: Bearer <token>". Copy it with the command "Network Monitor: Copy API Token" (the CLI prints where its token file is).';
      throw new ApiError('unauthorized', message, { 'WWW-Authenticate': 'Bearer realm="network-monitor"' });
    }
    if (!match) throw new ApiError('not_found', `There is no endpoint at ${clip(rawPath)}. GET /api/openapi.json describes the API.`);
    if (!match.handler) {
      throw new ApiError('method_not_allowed', `${clip(method)} is not allowed on ${clip(rawPath)}; use ${match.allow.join(' or ')}.`, {
        Allow: match.allow.join(', '),
      });
    }
    const params = new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1));
    const result: RouteResponse = await match.handler({ params, captures: match.captures });
    this.send(request, response, result.status, result);
  }

  private isPreflight(request: IncomingMessage): boolean {
    return (
      this.corsOrigin !== undefined &&
      request.headers.origin === this.corsOrigin &&
      request.headers['access-control-request-method'] !== undefined
    );
  }

  private fail(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    if (error instanceof ApiError) {
      this.sendError(request, response, error, false);
      return;
    }
    this.options.onError?.(error);
    this.sendError(
      request,
      response,
      new ApiError('internal_error', 'The API failed to answer this request. The Network Monitor log has the details.'),
      false,
    );
  }

  private sendError(request: IncomingMessage, response: ServerResponse, error: ApiError, closeConnection: boolean): void {
    const body = JSON.stringify({ error: error.code, message: error.message });
    this.send(
      request,
      response,
      error.status,
      { contentType: JSON_CONTENT_TYPE, body },
      { ...error.headers, ...(closeConnection ? { Connection: 'close' } : {}) },
    );
    // A client still sending a refused body is cut off instead of being read to the end.
    if (closeConnection) response.on('finish', () => request.socket.destroySoon());
  }

  private send(
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    content: { contentType: string; body: string } | undefined,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): void {
    if (response.headersSent || response.writableEnded || response.destroyed) return;
    const body = content ? Buffer.from(content.body, 'utf8') : undefined;
    const headers: Record<string, string | number> = {
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...extraHeaders,
    };
    if (content) headers['Content-Type'] = content.contentType;
    headers['Content-Length'] = body?.length ?? 0;
    if (this.corsOrigin !== undefined) {
      headers.Vary = 'Origin';
      if (request.headers.origin === this.corsOrigin) headers['Access-Control-Allow-Origin'] = this.corsOrigin;
    }
    response.writeHead(status, headers);
    response.end(body);
  }
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}
