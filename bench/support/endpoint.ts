import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface BenchEndpoint {
  origin: string;
  /** Server-side times (ms) of the delayed requests since the last call. */
  serverTimes(): Promise<number[]>;
  close(): void;
}

/** Starts bench/support/endpointProcess.ts in a child process on 127.0.0.1. */
export async function startBenchEndpoint(): Promise<BenchEndpoint> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'endpointProcess.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`bench endpoint exited with ${code}`)));
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    serverTimes: async () => {
      const response = await fetch(`${origin}/server-times`);
      return (await response.json()) as number[];
    },
    close: () => child.kill(),
  };
}
