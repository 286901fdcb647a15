/**
 * The probe engine against a bare undici GET loop with a fresh connection per request, on the same
 * local endpoint (served from another process, so only the client's CPU is counted):
 *  - CPU milliseconds per check and checks per second at concurrency 1, 10 and 100;
 *  - timing truth: for a server-side delay, each client's reported total minus the server's own
 *    time; the minimal raw-socket client shows the loopback cost that any client must pay.
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent, Client, request } from 'undici';
import { Prober } from '../src/core/probes/prober';
import { resolveTarget, type Target } from '../src/core/targets/target';
import { startBenchEndpoint } from './support/endpoint';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

function targetFor(url: string): Target {
  const resolved = resolveTarget(url);
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.value;
}

type Runner = () => Promise<number>;

async function measure(run: Runner, total: number, concurrency: number): Promise<{ cpuMsPerCheck: number; checksPerSecond: number }> {
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

async function main(): Promise<void> {
  const endpoint = await startBenchEndpoint();
  const prober = new Prober();
  const target = targetFor(`${endpoint.origin}/`);
  const url = `${endpoint.origin}/`;

  // The usual bare loop: one Agent, `reset: true` so every request opens a new connection.
  const agent = new Agent();
  const bareUndici: Runner = async () => {
    const started = performance.now();
    const response = await request(url, { dispatcher: agent, reset: true });
    await response.body.dump();
    return performance.now() - started;
  };
  // The same with a new Client per request, as a naive loop often does.
  const bareClientPerRequest: Runner = async () => {
    const started = performance.now();
    const client = new Client(endpoint.origin);
    const response = await client.request({ path: '/', method: 'GET' });
    await response.body.dump();
    const elapsed = performance.now() - started;
    await client.close();
    return elapsed;
  };
  const engine: Runner = async () => {
    const result = await prober.check(target);
    if (result.status !== 'UP') throw new Error(`check failed: ${result.message}`);
    return result.totalMs;
  };

  // Warm up every path (JIT) before measuring anything.
  for (let i = 0; i < 300; i++) {
    await bareUndici();
    await bareClientPerRequest();
    await engine();
  }

  console.log('CPU per check (client process only), fresh connection per check, same endpoint:');
  console.log(
    'concurrency  checks  engine ms/check  bare-undici ms/check  ratio   engine checks/s  bare checks/s  (client-per-request ms/check)',
  );
  const ratios: number[] = [];
  for (const concurrency of [1, 10, 100]) {
    const total = concurrency === 1 ? 1500 : 3000;
    // Interleave rounds so a noisy neighbour hits both sides alike; keep the best round of each.
    const engineRounds = [];
    const bareRounds = [];
    const clientRounds = [];
    for (let round = 0; round < 3; round++) {
      bareRounds.push(await measure(bareUndici, total, concurrency));
      engineRounds.push(await measure(engine, total, concurrency));
      clientRounds.push(await measure(bareClientPerRequest, total, concurrency));
    }
    const best = (rounds: { cpuMsPerCheck: number; checksPerSecond: number }[]) =>
      rounds.reduce((a, b) => (a.cpuMsPerCheck <= b.cpuMsPerCheck ? a : b));
    const e = best(engineRounds);
    const b = best(bareRounds);
    const c = best(clientRounds);
    ratios.push(e.cpuMsPerCheck / b.cpuMsPerCheck);
    console.log(
      `${String(concurrency).padStart(11)}  ${String(total).padStart(6)}  ${e.cpuMsPerCheck.toFixed(3).padStart(15)}  ${b.cpuMsPerCheck.toFixed(3).padStart(20)}  ${(e.cpuMsPerCheck / b.cpuMsPerCheck).toFixed(2).padStart(5)}x  ${e.checksPerSecond.toFixed(0).padStart(15)}  ${b.checksPerSecond.toFixed(0).padStart(13)}  (${c.cpuMsPerCheck.toFixed(3)})`,
    );
  }
  console.log(`target: engine CPU per check <= 1.10x the bare loop; worst ratio measured ${Math.max(...ratios).toFixed(2)}x`);

  // Timing truth: a 20 ms server-side delay, clients interleaved, one at a time.
  const delayTarget = targetFor(`${endpoint.origin}/?delay=20`);
  const delayedUrl = `${endpoint.origin}/?delay=20`;
  const rawSocket = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const socket = connect({ host: '127.0.0.1', port: Number(new URL(endpoint.origin).port), noDelay: true });
      let received = '';
      socket.on('connect', () => socket.write('GET /?delay=20 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('end', () => {
        const elapsed = performance.now() - started;
        socket.destroy();
        if (!received.startsWith('HTTP/1.1 200')) reject(new Error('raw client: bad response'));
        else resolve(elapsed);
      });
      socket.on('error', reject);
    });
  const clients: Record<string, () => Promise<number>> = {
    'raw socket': rawSocket,
    engine: async () => (await prober.check(delayTarget)).totalMs,
    'bare undici': async () => {
      const started = performance.now();
      const response = await request(delayedUrl, { dispatcher: agent, reset: true });
      await response.body.dump();
      return performance.now() - started;
    },
  };
  const excess: Record<string, number[]> = Object.fromEntries(Object.keys(clients).map((name) => [name, []]));
  await endpoint.serverTimes();
  for (let i = 0; i < 60; i++) {
    for (const [name, run] of Object.entries(clients)) {
      const reported = await run();
      const [serverTime] = await endpoint.serverTimes();
      excess[name]!.push(reported - serverTime!);
    }
  }
  console.log("\nReported total minus the server's own time (20 ms delay, 60 checks each), median:");
  for (const [name, values] of Object.entries(excess)) console.log(`  ${name.padEnd(12)} ${median(values).toFixed(3)} ms`);
  const engineOverRaw = median(excess['engine']!) - median(excess['raw socket']!);
  console.log(`engine minus the loopback cost (raw socket): ${engineOverRaw.toFixed(3)} ms (target: within 0.3 ms)`);

  await agent.close();
  endpoint.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
