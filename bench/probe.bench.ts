/**
 * The probe engine against its peers on the same local endpoint (served from another process, so
 * only the client's CPU is counted), all measured in this one run:
 *  - cost: CPU milliseconds per check and checks per second at concurrency 1, 10 and 100, against
 *    a bare undici GET loop with a fresh connection per request (keep-alive off); the same for the
 *    CLI's `check --stdin` (the prober plus reading lines and writing JSON), as ratios;
 *  - timing truth: at a server-side delay of 0, 50 and 1000 ms, each client's reported total minus
 *    the true time, against curl (`-w %{time_total}`). The true time is the server's own time for
 *    the request plus the loopback cost of a fresh connection, which is what a minimal raw-socket
 *    client measures beyond the server's time with no delay, as curl and blackbox_exporter time a
 *    check: from before the connection to the last byte.
 * Targets (ratios in this run): engine CPU per check at most 1.2x bare undici at c=10 and c=100;
 * checks/s at c=100 at least 0.8x; reported minus true within 0.3 ms of curl's at every delay.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { PassThrough, Writable } from 'node:stream';
import { Agent, request } from 'undici';
import { runCheckCommand } from '../src/cli/checkCommand';
import { Prober } from '../src/core/probes/prober';
import { resolveTarget, type Target } from '../src/core/targets/target';
import { startBenchEndpoint } from './support/endpoint';

const CURL = '/usr/bin/curl';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

function targetFor(url: string): Target {
  const resolved = resolveTarget(url);
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.value;
}

interface Cost {
  cpuMsPerCheck: number;
  checksPerSecond: number;
}

async function measure(run: () => Promise<unknown>, total: number, concurrency: number): Promise<Cost> {
  let started = 0;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++;
      await run();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  const wall = performance.now() - wallBefore;
  return { cpuMsPerCheck: (cpu.user + cpu.system) / 1000 / total, checksPerSecond: (total / wall) * 1000 };
}

/**
 * A fresh connection, the request written at once, the clock stopped as the last body byte (by
 * Content-Length) arrives, as curl stops it: the least any client can take.
 */
function rawSocketGet(origin: string, path: string): Promise<number> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect({ host: hostname, port: Number(port), noDelay: true });
    let received = Buffer.alloc(0);
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      const arrived = performance.now();
      received = Buffer.concat([received, chunk]);
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = received.subarray(0, headEnd).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
      if (received.length < headEnd + 4 + length) return;
      socket.destroy();
      if (!head.startsWith('HTTP/1.1 200')) reject(new Error(`raw client: ${head.split('\r\n')[0]}`));
      else resolve(arrived - started);
    });
    socket.on('error', reject);
  });
}

/** The CLI's `check --stdin` in this process: `total` lines of `url`, `concurrency` at a time, output discarded. */
async function measureCheckStdin(url: string, total: number, concurrency: number): Promise<Cost> {
  const input = new PassThrough();
  const output = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const exitCode = runCheckCommand(['--stdin', '--concurrency', String(concurrency)], input, output);
  input.end(`${url}\n`.repeat(total));
  if ((await exitCode) !== 0) throw new Error('check --stdin: a check failed');
  const cpu = process.cpuUsage(cpuBefore);
  const wall = performance.now() - wallBefore;
  return { cpuMsPerCheck: (cpu.user + cpu.system) / 1000 / total, checksPerSecond: (total / wall) * 1000 };
}

/** curl's own total time for one GET, in milliseconds. */
function curlGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(CURL, ['-s', '-o', '/dev/null', '-w', '%{time_total}', url], (error, stdout) => {
      if (error) reject(error);
      else resolve(Number(stdout) * 1000);
    });
  });
}

async function main(): Promise<void> {
  const endpoint = await startBenchEndpoint();
  const prober = new Prober();
  const url = `${endpoint.origin}/`;
  const target = targetFor(url);
  const [load1] = loadavg();
  console.log(`load average at start: ${load1!.toFixed(2)} (other work on this machine's ${cpus().length} cores)`);

  // The usual bare loop: one Agent, `reset: true` so every request opens a new connection.
  const agent = new Agent();
  const bareUndici = async (): Promise<void> => {
    const response = await request(url, { dispatcher: agent, reset: true });
    await response.body.dump();
  };
  const engine = async (): Promise<void> => {
    const result = await prober.check(target);
    if (result.status !== 'UP') throw new Error(`check failed: ${result.message}`);
  };

  // Warm up both paths (JIT) before measuring anything.
  for (let i = 0; i < 300; i++) {
    await bareUndici();
    await engine();
  }

  await measureCheckStdin(url, 300, 10);

  console.log('\nCost, fresh connection per check, same endpoint (best of 3 interleaved rounds each):');
  console.log(
    'concurrency  checks  engine ms/check  undici ms/check  CPU ratio  engine checks/s  undici checks/s  rate ratio  check --stdin: CPU, rate ratio',
  );
  const cost: Record<number, { cpu: number; rate: number }> = {};
  for (const concurrency of [1, 10, 100]) {
    const total = concurrency === 1 ? 1500 : 3000;
    // Interleaved so a noisy neighbour hits both alike; the least CPU and the highest rate of each.
    const engineRounds: Cost[] = [];
    const bareRounds: Cost[] = [];
    const cliRounds: Cost[] = [];
    for (let round = 0; round < 3; round++) {
      bareRounds.push(await measure(bareUndici, total, concurrency));
      engineRounds.push(await measure(engine, total, concurrency));
      cliRounds.push(await measureCheckStdin(url, total, concurrency));
    }
    const leastCpu = (rounds: Cost[]) => Math.min(...rounds.map((r) => r.cpuMsPerCheck));
    const bestRate = (rounds: Cost[]) => Math.max(...rounds.map((r) => r.checksPerSecond));
    const e = { cpu: leastCpu(engineRounds), rate: bestRate(engineRounds) };
    const b = { cpu: leastCpu(bareRounds), rate: bestRate(bareRounds) };
    const c = { cpu: leastCpu(cliRounds), rate: bestRate(cliRounds) };
    cost[concurrency] = { cpu: e.cpu / b.cpu, rate: e.rate / b.rate };
    console.log(
      `${String(concurrency).padStart(11)}  ${String(total).padStart(6)}  ${e.cpu.toFixed(3).padStart(15)}  ${b.cpu.toFixed(3).padStart(15)}  ${cost[concurrency]!.cpu.toFixed(2).padStart(8)}x  ${e.rate.toFixed(0).padStart(15)}  ${b.rate.toFixed(0).padStart(15)}  ${cost[concurrency]!.rate.toFixed(2).padStart(9)}x  ${(c.cpu / b.cpu).toFixed(2).padStart(18)}x, ${(c.rate / b.rate).toFixed(2)}x`,
    );
  }

  // Timing truth, one check at a time, the clients interleaved so each sees the same conditions.
  const haveCurl = existsSync(CURL);
  const clients: Record<string, (delayMs: number) => Promise<number>> = {
    'raw socket': (delayMs) => rawSocketGet(endpoint.origin, `/?delay=${delayMs}`),
    engine: async (delayMs) => {
      const result = await prober.check(targetFor(`${endpoint.origin}/?delay=${delayMs}`));
      if (result.status !== 'UP') throw new Error(`check failed: ${result.message}`);
      return result.totalMs;
    },
    ...(haveCurl ? { curl: (delayMs: number) => curlGet(`${endpoint.origin}/?delay=${delayMs}`) } : {}),
  };
  const samples: Record<number, number> = { 0: 60, 50: 40, 1000: 25 };
  // Per delay and client: reported total minus the server's own time for that request.
  const overServer: Record<number, Record<string, number[]>> = {};
  await endpoint.serverTimes();
  for (const delayMs of [0, 50, 1000]) {
    overServer[delayMs] = Object.fromEntries(Object.keys(clients).map((name) => [name, []]));
    for (let i = 0; i < samples[delayMs]!; i++) {
      for (const [name, run] of Object.entries(clients)) {
        const reported = await run(delayMs);
        const serverTimes = await endpoint.serverTimes();
        if (serverTimes.length !== 1) throw new Error(`expected one server time, got ${serverTimes.length}`);
        overServer[delayMs]![name]!.push(reported - serverTimes[0]!);
      }
    }
  }
  const loopbackMs = median(overServer[0]!['raw socket']!);
  console.log(
    `\nReported minus true latency, median (true = server time + ${loopbackMs.toFixed(3)} ms loopback cost of a fresh connection):`,
  );
  console.log(
    `delay ms  samples  ${Object.keys(clients)
      .map((name) => name.padStart(10))
      .join('  ')}  engine - curl`,
  );
  const engineOverCurl: Record<number, number> = {};
  for (const delayMs of [0, 50, 1000]) {
    const excess = (name: string): number => median(overServer[delayMs]![name]!) - loopbackMs;
    if (haveCurl) engineOverCurl[delayMs] = excess('engine') - excess('curl');
    console.log(
      `${String(delayMs).padStart(8)}  ${String(samples[delayMs]).padStart(7)}  ${Object.keys(clients)
        .map((name) => excess(name).toFixed(3).padStart(10))
        .join('  ')}  ${haveCurl ? engineOverCurl[delayMs]!.toFixed(3).padStart(13) : '(no curl)'}`,
    );
  }

  console.log('\nTargets:');
  const verdict = (met: boolean): string => (met ? 'met' : 'NOT met');
  for (const concurrency of [10, 100]) {
    console.log(
      `  CPU per check at c=${concurrency} <= 1.20x bare undici: ${cost[concurrency]!.cpu.toFixed(2)}x, ${verdict(cost[concurrency]!.cpu <= 1.2)}`,
    );
  }
  console.log(`  checks/s at c=100 >= 0.80x bare undici: ${cost[100]!.rate.toFixed(2)}x, ${verdict(cost[100]!.rate >= 0.8)}`);
  for (const delayMs of [0, 50, 1000]) {
    if (!haveCurl) console.log(`  latency at ${delayMs} ms: curl not installed at ${CURL}, not compared`);
    else {
      const gap = engineOverCurl[delayMs]!;
      console.log(
        `  reported - true within 0.3 ms of curl's at ${delayMs} ms delay: ${gap.toFixed(3)} ms, ${verdict(Math.abs(gap) <= 0.3)}`,
      );
    }
  }
  console.log(`load average at end: ${loadavg()[0]!.toFixed(2)}`);

  await agent.close();
  endpoint.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
