import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LEASE_FILE } from '../../../src/core/store/writerLease';

const FIXTURE = join(__dirname, 'fixtures', 'leaseHolder.ts');
const HEARTBEAT_MS = 500;

interface Message {
  event: string;
  name: string;
  at: number;
  inherited?: string[];
}

class Contender {
  readonly messages: Message[] = [];
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  constructor(directory: string, readonly name: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, directory, name, String(HEARTBEAT_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    this.child.stdout!.on('data', (data: Buffer) => {
      buffered += data.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) this.messages.push(JSON.parse(line) as Message);
      for (const wake of this.waiters) wake();
    });
  }

  /** Waits (at most 20 s) for an event; returns it. */
  async next(event: string): Promise<Message> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = this.messages.find((message) => message.event === event);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`${this.name} did not report "${event}" within 20 s; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters = [];
    }
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }
}

test('two processes contend for the writer lease; when the writer is killed the other takes over within two heartbeats', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'nm-lease-'));
  const contenders: Contender[] = [];
  t.after(async () => {
    for (const contender of contenders) await contender.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  });

  const first = new Contender(directory, 'first');
  contenders.push(first);
  await first.next('writer');
  const second = new Contender(directory, 'second');
  contenders.push(second);
  await second.next('reader');
  // Several heartbeats pass: the live writer keeps the lease.
  await new Promise((resolve) => setTimeout(resolve, 4 * HEARTBEAT_MS));
  assert.equal(second.messages.some((m) => m.event === 'writer'), false, 'no takeover while the writer beats');
  assert.equal(first.messages.some((m) => m.event === 'lost'), false);

  const lastBeat = (JSON.parse(readFileSync(join(directory, LEASE_FILE), 'utf8')) as { heartbeatAt: number }).heartbeatAt;
  const killedAt = Date.now();
  await first.kill('SIGKILL');
  const takeover = await second.next('writer');
  const sinceKill = takeover.at - killedAt;
  const sinceBeat = takeover.at - lastBeat;
  t.diagnostic(`takeover ${sinceKill} ms after the kill, ${sinceBeat} ms after the last heartbeat (heartbeat ${HEARTBEAT_MS} ms)`);
  assert.ok(sinceBeat > 2 * HEARTBEAT_MS, 'not before the heartbeat was two periods old');
  // Two heartbeats plus one poll (a quarter heartbeat), with room for a busy machine's timers.
  assert.ok(sinceKill <= 2 * HEARTBEAT_MS + HEARTBEAT_MS / 4 + 1500, `took over ${sinceKill} ms after the kill`);
  assert.deepEqual(takeover.inherited, ['first'], "the new writer reads the killed writer's history");

  // A window closing cleanly hands over at once, with everything it recorded.
  const third = new Contender(directory, 'third');
  contenders.push(third);
  await third.next('reader');
  await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS));
  await second.kill('SIGTERM');
  assert.ok(second.messages.some((m) => m.event === 'closed'));
  const handover = await third.next('writer');
  assert.deepEqual(handover.inherited?.sort(), ['first', 'second']);
  t.diagnostic(`clean handover ${handover.at - second.messages.find((m) => m.event === 'closed')!.at} ms after the writer closed`);
});
