/**
 * A real monitoring stack for the API tests: loopback sites the test controls, checked by the
 * real prober through the real scheduler and engine into a real sql.js store in a temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiDataSource, type ApiDataSource } from '../../../src/core/api/apiDataSource';
import { MonitorEngine } from '../../../src/core/monitorEngine';
import { Prober } from '../../../src/core/probes/prober';
import { Scheduler } from '../../../src/core/scheduler/scheduler';
import { SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { resolveTarget, type Target, type TargetEntryObject } from '../../../src/core/targets/target';
import { closedPort, startHttpServer, type RunningServer } from '../../support/servers';

export function targetFrom(entry: TargetEntryObject): Target {
  const resolved = resolveTarget(entry);
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.value;
}

export function tempDirectory(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'nm-api-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A site whose answer the test sets: `status` for every path, counted per path. */
export class ControlledSite {
  status = 200;
  readonly hits = new Map<string, number>();
  private constructor(private readonly server: RunningServer) {}

  static async start(): Promise<ControlledSite> {
    const holder: { site?: ControlledSite } = {};
    const server = await startHttpServer((request, response) => {
      const site = holder.site!;
      const path = request.url ?? '/';
      site.hits.set(path, (site.hits.get(path) ?? 0) + 1);
      response.writeHead(site.status, { 'Content-Type': 'text/plain' });
      response.end('ok');
    });
    holder.site = new ControlledSite(server);
    return holder.site;
  }

  url(path: string): string {
    return `${this.server.origin}${path}`;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

export interface MonitoringStack {
  directory: string;
  store: SqlJsHistoryStore;
  scheduler: Scheduler;
  engine: MonitorEngine;
  targets: Target[];
  source: ApiDataSource;
  /** Runs a real check of each target now and waits until the store holds it. */
  checkAll(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startMonitoringStack(directory: string, targets: Target[]): Promise<MonitoringStack> {
  const store = await SqlJsHistoryStore.open({ directory, flushIntervalMs: 50 });
  const prober = new Prober();
  const scheduler = new Scheduler({
    runCheck: (target, signal) => prober.check(target, signal),
    retries: 0,
    minIntervalMs: 10,
    staggerFirstChecks: false,
  });
  const engine = new MonitorEngine({ scheduler, store });
  engine.setTargets(targets);
  const source = createApiDataSource({ store, scheduler, getTargets: () => targets, isWriter: () => true });
  return {
    directory,
    store,
    scheduler,
    engine,
    targets,
    source,
    async checkAll() {
      await Promise.all(targets.filter((target) => !target.paused).map((target) => scheduler.checkNow(target.id)));
      await engine.settled();
      await store.flush();
    },
    async dispose() {
      scheduler.dispose();
      engine.dispose();
      await store.dispose();
    },
  };
}

/** A port nothing listens on, for a target that is down (connection refused). */
export { closedPort };

export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): unknown;
}

export interface CallOptions {
  method?: string;
  path: string;
  token?: string;
  /** Host header; `127.0.0.1:<port>` unless given; null sends none. */
  host?: string | null;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One HTTP request on its own connection (node:http, so any Host header can be sent). */
export function call(port: number, options: CallOptions): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.host !== null) headers.host = options.host ?? `127.0.0.1:${port}`;
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers,
        agent: false,
        setHost: false,
        timeout: 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: () => JSON.parse(text) as unknown });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${options.method ?? 'GET'} ${options.path} got no answer within 10 s`)));
    request.on('error', reject);
    request.end(options.body);
  });
}
