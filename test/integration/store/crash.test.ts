import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StoreProblem } from '../../../src/core/store/historyStore';
import { HistoryFollower } from '../../../src/core/store/historyFollower';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';

const FIXTURE = join(__dirname, 'fixtures', 'crashWriter.ts');
const KILLS = 20;
const DEADLINE_MS = 75_000;

/** Starts the writer, lets it run a random while after it is ready, and SIGKILLs it. */
function runAndKill(directory: string, run: number, lifeMs: number): Promise<{ acknowledged: number; ready: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, directory, String(run)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acknowledged = 0;
    let ready = false;
    let stderr = '';
    let buffered = '';
    const safety = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (data: Buffer) => {
      buffered += data.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready' && !ready) {
          ready = true;
          setTimeout(() => child.kill('SIGKILL'), lifeMs);
        } else if (line.startsWith('durable ')) {
          acknowledged = Math.max(acknowledged, Number(line.slice(8)));
        }
      }
    });
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(safety);
      if (signal !== 'SIGKILL') reject(new Error(`The writer exited by itself (${code}): ${stderr}`));
      else resolve({ acknowledged, ready });
    });
  });
}

test('a writer killed with SIGKILL at random moments never leaves a file that fails to open nor loses a flushed check', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'nm-crash-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const random = createSeededRandom(7);
  const started = Date.now();
  const kept = new Map<number, number>();
  let kills = 0;
  let runsWithAcknowledgements = 0;
  for (let run = 0; run < KILLS && Date.now() - started < DEADLINE_MS; run++) {
    const { acknowledged, ready } = await runAndKill(directory, run, 300 + Math.floor(random() * 900));
    assert.ok(ready, `run ${run} opened the store left by the previous kill`);
    kills++;

    const problems: StoreProblem[] = [];
    const store = await HistoryFollower.open({ directory, onProblem: (p) => problems.push(p) });
    try {
      assert.deepEqual(problems, [], `after kill ${run} every file opens cleanly`);
      const { checks } = JSON.parse(store.exportRange([`run-${run}`], { from: 0, to: Date.now() + 1000 }, 'json')) as {
        checks: { totalMs: number }[];
      };
      const indexes = checks.map((check) => check.totalMs);
      assert.deepEqual(
        indexes,
        indexes.map((_, i) => i),
        `run ${run}: the checks kept are a prefix, without holes or duplicates`,
      );
      assert.ok(indexes.length >= acknowledged, `run ${run}: ${indexes.length} checks kept, ${acknowledged} were reported durable`);
      if (acknowledged > 0) runsWithAcknowledgements++;
      kept.set(run, indexes.length);
      for (const [earlier, count] of kept) {
        const stillThere = store
          .series(`run-${earlier}`, { from: 0, to: Date.now() + 1000, maxPoints: 1 })
          .points.reduce((sum, point) => sum + point.count, 0);
        assert.equal(stillThere, count, `run ${earlier}'s checks survive later kills`);
      }
    } finally {
      await store.dispose();
    }
  }
  assert.ok(kills >= 10, `only ${kills} kills fitted in the time bound`);
  assert.ok(
    runsWithAcknowledgements >= kills / 2,
    `the periodic flush made checks durable in ${runsWithAcknowledgements} of ${kills} runs`,
  );
  t.diagnostic(`${kills} kills in ${((Date.now() - started) / 1000).toFixed(1)} s; checks kept per run: ${[...kept.values()].join(' ')}`);
});
