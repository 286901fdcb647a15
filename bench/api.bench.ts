/**
 * `npm run bench -- api`: 10,000 requests at concurrency 50 against /api/status with 200 targets
 * whose store holds 6 hours of minute-by-minute history (realistic jitter, a few failures and
 * anomalies). The load comes from a separate client process (undici Pool, 50 connections) so the
 * client's CPU does not count against the server's. Baseline, in the same run and from the same
 * client: a bare node:http server answering the same bytes from memory, i.e. the transport cost
 * that no API can beat. Also measured: /api/status with both caches off (statistics recomputed
 * for every request; concurrent requests share one computation), /metrics, and the longest
 * stall of the server's event loop (the extension host's thread) during each load.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { createApiDataSource } from '../src/core/api/apiDataSource';
import { ApiServer } from '../src/core/api/apiServer';
import { createApiToken } from '../src/core/api/requestGuards';
import type { CheckRecord } from '../src/core/store/checkRecord';
import { SqlJsHistoryStore } from '../src/core/store/sqlJsHistoryStore';
import { resolveTarget, type Target } from '../src/core/targets/target';
import { createSeededRandom } from '../src/core/anomaly/seededRandom';

const TARGETS = 200;
const HISTORY_MS = 6 * 3_600_000;
const INTERVAL_MS = 60_000;

interface LoadResult {
  /** Each request's time, sorted; kept so interleaved rounds can be merged. */
  latencies: number[];
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  bytes: number;
}

// ---- Client process ----------------------------------------------------------------------------

async function runClient(origin: string, path: string, total: number, concurrency: number, token: string): Promise<void> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let bytes = 0;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      const sent = performance.now();
      try {
        const response = await pool.request({ path, method: 'GET', headers: { authorization: `Bearer ${token}` } });
        const body = await response.body.arrayBuffer();
        bytes += body.byteLength;
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        if (response.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const result: LoadResult = {
    latencies,
    requests: total,
    errors,
    statuses,
    seconds,
    requestsPerSecond: total / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    bytes,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function load(origin: string, path: string, total: number, concurrency: number, token: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', __filename, 'client', origin, path, String(total), String(concurrency), token],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the load client exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadResult);
    });
  });
}

// ---- Server side -------------------------------------------------------------------------------

function benchTargets(): Target[] {
  return Array.from({ length: TARGETS }, (_, i) => {
    const resolved = resolveTarget({ url: `https://service-${i}.bench.invalid/health`, id: `svc-${i}`, name: `Service ${i}` });
    if (!resolved.ok) throw new Error(resolved.error);
    return resolved.value;
  });
}

async function seedStore(directory: string, targets: readonly Target[], now: number): Promise<SqlJsHistoryStore> {
  const store = await SqlJsHistoryStore.open({ directory, now: () => now, flushIntervalMs: 60_000, snapshotIntervalMs: 3_600_000 });
  const random = createSeededRandom(42);
  for (const target of targets) store.upsertTarget({ id: target.id, url: target.url, name: target.name });
  const location = {
    country: 'Germany',
    countryCode: 'DE',
    city: 'Frankfurt',
    isp: 'Example Hosting',
    asn: 64500,
    lat: 50.1,
    lon: 8.7,
    local: false,
  };
  for (let at = now - HISTORY_MS; at < now; at += INTERVAL_MS) {
    targets.forEach((target, index) => {
      const base = 20 + (index % 40) * 3;
      const down = random() < 0.005;
      const totalMs = down ? 10_000 : base * (0.8 + random() * 0.5) + (random() < 0.01 ? base * 4 : 0);
      const record: CheckRecord = {
        targetId: target.id,
        target: target.url,
        startedAt: at + ((index * 97) % INTERVAL_MS),
        status: down ? 'DOWN' : 'UP',
        reason: down ? 'TIMEOUT' : null,
        message: down ? 'No answer within 10 s.' : `HTTP 200 in ${Math.round(totalMs)} ms.`,
        statusCode: down ? null : 200,
        totalMs,
        phases: down
          ? { dns: 1, connect: 0, tls: 0, firstByte: 0, transfer: 0 }
          : { dns: 1, connect: totalMs * 0.2, tls: totalMs * 0.3, firstByte: totalMs * 0.45, transfer: totalMs * 0.05 - 1 },
        tls: {
          subject: target.host,
          issuer: 'Bench CA',
          validFrom: '2026-01-01T00:00:00.000Z',
          validTo: '2027-01-01T00:00:00.000Z',
          daysLeft: 38,
          authorized: true,
        },
        addresses: ['192.0.2.10'],
        anomalyScore: down ? null : random() < 0.002 ? 0.9 : random() * 0.2,
        location,
      };
      store.append(record);
    });
  }
  await store.flush();
  return store;
}

interface ServedLoad extends LoadResult {
  /** Longest event-loop delay in this (the server's) process during the load. */
  maxStallMs: number;
}

/** Runs a load from the client process while watching this process's event loop. */
async function served(origin: string, path: string, total: number, token: string, concurrency = 50): Promise<ServedLoad> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  try {
    const result = await load(origin, path, total, concurrency, token);
    return { ...result, maxStallMs: delay.max / 1e6 };
  } finally {
    delay.disable();
  }
}

/** Sums rounds of one load into one result: time adds up, latencies merge. */
function merge(rounds: readonly ServedLoad[]): ServedLoad {
  const latencies = rounds.flatMap((round) => round.latencies).sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const requests = rounds.reduce((sum, round) => sum + round.requests, 0);
  const seconds = rounds.reduce((sum, round) => sum + round.seconds, 0);
  const statuses: Record<string, number> = {};
  for (const round of rounds) for (const [code, count] of Object.entries(round.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
  return {
    latencies,
    requests,
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    statuses,
    seconds,
    requestsPerSecond: requests / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    bytes: rounds.reduce((sum, round) => sum + round.bytes, 0),
    maxStallMs: Math.max(...rounds.map((round) => round.maxStallMs)),
  };
}

/**
 * The API and its baseline in alternating rounds, so a colleague's build that starts halfway
 * through slows both alike and the ratio stays meaningful on a shared machine.
 */
async function interleaved(runs: readonly (() => Promise<ServedLoad>)[], rounds: number): Promise<ServedLoad[]> {
  const results: ServedLoad[][] = runs.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, run] of runs.entries()) results[index]!.push(await run());
  }
  return results.map(merge);
}

function format(name: string, result: ServedLoad): string {
  return `${name.padEnd(36)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${result.p50Ms.toFixed(1).padStart(6)} ms  p99 ${result.p99Ms.toFixed(1).padStart(6)} ms  errors ${result.errors}  longest stall ${result.maxStallMs.toFixed(0).padStart(4)} ms  (${(result.bytes / result.requests / 1024).toFixed(0)} KiB each)`;
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'nm-api-bench-'));
  const now = Date.now();
  const targets = benchTargets();
  const seedStarted = performance.now();
  const store = await seedStore(directory, targets, now);
  const checks = Math.floor(HISTORY_MS / INTERVAL_MS) * TARGETS;
  console.log(`seeded ${checks} checks of ${TARGETS} targets in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

  const token = createApiToken();
  const source = createApiDataSource({ store, getTargets: () => targets, isWriter: () => true });
  const cached = new ApiServer({ port: 0, token, allowUnauthenticatedMetrics: false, source });
  const noCache = { '1h': 0, '24h': 0, '7d': 0, '30d': 0 };
  const uncached = new ApiServer({ port: 0, token, allowUnauthenticatedMetrics: false, source, statusCacheMs: 0, statsCacheMs: noCache });
  const cachedPort = (await cached.start()).port;
  const uncachedPort = (await uncached.start()).port;

  // The baseline answers the very bytes /api/status produces, straight from memory.
  const sample = await fetch(`http://127.0.0.1:${cachedPort}/api/status`, { headers: { authorization: `Bearer ${token}` } });
  const statusBody = Buffer.from(await sample.arrayBuffer());
  const baseline = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': statusBody.length });
    response.end(statusBody);
  });
  await new Promise<void>((resolve) => baseline.listen(0, '127.0.0.1', resolve));
  const baselinePort = (baseline.address() as AddressInfo).port;

  try {
    const cost = performance.now();
    for (let i = 0; i < 5; i++)
      await fetch(`http://127.0.0.1:${uncachedPort}/api/status`, { headers: { authorization: `Bearer ${token}` } }).then((r) =>
        r.arrayBuffer(),
      );
    const computeMs = (performance.now() - cost) / 5;
    console.log(
      `computing /api/status for ${TARGETS} targets from the store: ${computeMs.toFixed(1)} ms per request (one at a time, wall clock, sliced)`,
    );

    const rounds = 5;
    const [base, api] = (await interleaved(
      [
        () => served(`http://127.0.0.1:${baselinePort}`, '/', 10_000 / rounds, token),
        () => served(`http://127.0.0.1:${cachedPort}`, '/api/status', 10_000 / rounds, token),
      ],
      rounds,
    )) as [ServedLoad, ServedLoad];
    const raw = await served(`http://127.0.0.1:${uncachedPort}`, '/api/status', 300, token);
    const metrics = await served(`http://127.0.0.1:${cachedPort}`, '/metrics', 500, token);
    console.log(format('baseline: same bytes from memory', base));
    console.log(format('/api/status, 10,000 requests', api));
    console.log(format('/api/status no caches, 300 requests', raw));
    console.log(format('/metrics, 500 requests', metrics));
    // Under 50 clients at once a stall is a queue of handlers; with one client it is the longest
    // single block of the host's thread, which is what other extensions would feel. The baseline
    // shows the floor a busy machine adds by descheduling the process.
    const [oneBase, oneStatus, oneMetrics] = (await interleaved(
      [
        () => served(`http://127.0.0.1:${baselinePort}`, '/', 10, token, 1),
        () => served(`http://127.0.0.1:${uncachedPort}`, '/api/status', 10, token, 1),
        () => served(`http://127.0.0.1:${uncachedPort}`, '/metrics', 10, token, 1),
      ],
      2,
    )) as [ServedLoad, ServedLoad, ServedLoad];
    console.log(format('one client: baseline', oneBase));
    console.log(format('one client: /api/status no caches', oneStatus));
    console.log(format('one client: /metrics no caches', oneMetrics));
    console.log(
      `ratio /api/status to baseline: ${(api.requestsPerSecond / base.requestsPerSecond).toFixed(2)} of the throughput, p99 x${(api.p99Ms / base.p99Ms).toFixed(2)}`,
    );
    console.log(`ratio uncached to cached: ${(raw.requestsPerSecond / api.requestsPerSecond).toFixed(3)} of the throughput`);
    const failed = [base, api, raw, metrics, oneBase, oneStatus, oneMetrics].reduce((sum, result) => sum + result.errors, 0);
    if (failed > 0) {
      console.error(`${failed} requests failed: ${JSON.stringify([api.statuses, raw.statuses, metrics.statuses])}`);
      process.exitCode = 1;
    }
  } finally {
    await cached.dispose();
    await uncached.dispose();
    await new Promise((resolve) => baseline.close(resolve));
    await store.dispose();
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'client') {
  const [, , , origin, path, total, concurrency, token] = process.argv;
  runClient(origin!, path!, Number(total), Number(concurrency), token!).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
