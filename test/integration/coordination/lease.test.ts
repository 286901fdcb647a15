import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parseSnapshotName } from '../../../src/core/store/snapshotFile';
import { HistoryFollower } from '../../../src/core/store/historyFollower';
import { loadSqlJs } from '../../../src/core/store/sqlJsLoader';
import { LEASE_FILE } from '../../../src/core/coordination/writerLease';

const FIXTURE = join(__dirname, 'fixtures', 'leaseHolder.ts');
const HEARTBEAT_MS = 1_000;

interface Message {
  event: string;
  name: string;
  at: number;
  inherited?: string[];
  /** On "durable": the newest durable check's startedAt, and how many checks that covers. */
  through?: number;
  count?: number;
}

class Contender {
  readonly messages: Message[] = [];
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  constructor(
    directory: string,
    readonly name: string,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, directory, name, String(HEARTBEAT_MS)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let buffered = '';
    this.child.stdout!.on('data', (data: Buffer) => {
      buffered += data.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) this.messages.push(JSON.parse(line) as Message);
      for (const wake of this.waiters) wake();
    });
  }

  /** Waits (at most 20 s) for an event, reported after the first `after` messages; returns it. */
  async next(event: string, after = 0): Promise<Message> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = this.messages.slice(after).find((message) => message.event === event);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`${this.name} did not report "${event}" within 20 s; got ${JSON.stringify(this.messages)}`);
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

  /** Sets this process's wall clock `offsetMs` off the real one and waits until it says so. */
  async setClockOffset(offsetMs: number): Promise<void> {
    await this.command({ clockOffsetMs: offsetMs }, 'clock');
  }

  /** Sends one command line to the process (see leaseHolder.ts). */
  send(command: object): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** Sends a command and waits for the event that answers it. */
  async command(command: object, answer: string): Promise<void> {
    const before = this.messages.length;
    this.send(command);
    await this.next(answer, before);
  }

  /** Waits (at most 5 s) until the process is stopped, as /proc tells. */
  async stopped(): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const state = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state === 'T' || state === 't') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${this.name} did not stop`);
  }

  /** Its last "durable" report. */
  lastDurable(): { through: number; count: number } {
    const last = this.messages.filter((m) => m.event === 'durable').at(-1);
    return { through: last?.through ?? 0, count: last?.count ?? 0 };
  }

  /** Sends a signal that does not end the process (SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }
}

test('two processes contend for the writer lease; when the writer is killed the other takes over', async (t) => {
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
  assert.equal(
    second.messages.some((m) => m.event === 'writer'),
    false,
    'no takeover while the writer beats',
  );
  assert.equal(
    first.messages.some((m) => m.event === 'lost'),
    false,
  );

  const lastBeat = (JSON.parse(readFileSync(join(directory, LEASE_FILE), 'utf8')) as { heartbeatAt: number }).heartbeatAt;
  const killedAt = Date.now();
  await first.kill('SIGKILL');
  const takeover = await second.next('writer');
  const sinceKill = takeover.at - killedAt;
  const sinceBeat = takeover.at - lastBeat;
  // The killed writer's process is gone from this machine: no need to wait for its heartbeat to go stale.
  t.diagnostic(`takeover ${sinceKill} ms after the kill, ${sinceBeat} ms after the last heartbeat (heartbeat ${HEARTBEAT_MS} ms)`);
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

/** Every check in the folder's history, read as another window would. */
async function recordedChecks(directory: string): Promise<{ targetId: string; startedAt: number }[]> {
  const store = await HistoryFollower.open({ directory });
  try {
    return (
      JSON.parse(store.exportRange(undefined, { from: 0, to: Date.now() + 1 }, 'json')) as {
        checks: { targetId: string; startedAt: number }[];
      }
    ).checks;
  } finally {
    await store.dispose();
  }
}

/** A folder with a writer ("first") and, started once it writes, a reader ("second"); both end with the test. */
async function writerAndReader(t: TestContext): Promise<{ directory: string; first: Contender; second: Contender }> {
  const directory = mkdtempSync(join(tmpdir(), 'nm-lease-'));
  const contenders: Contender[] = [];
  t.after(async () => {
    for (const contender of contenders) {
      contender.signal('SIGCONT');
      await contender.kill('SIGKILL');
    }
    rmSync(directory, { recursive: true, force: true });
  });
  const first = new Contender(directory, 'first');
  contenders.push(first);
  await first.next('writer');
  const second = new Contender(directory, 'second');
  contenders.push(second);
  await second.next('reader');
  return { directory, first, second };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test('a writer frozen past its lease (SIGSTOP) is replaced, and once thawed writes nothing more', async (t) => {
  const { directory, first, second } = await writerAndReader(t);
  await sleep(2 * HEARTBEAT_MS);

  first.signal('SIGSTOP');
  const lastBeat = (JSON.parse(readFileSync(join(directory, LEASE_FILE), 'utf8')) as { heartbeatAt: number }).heartbeatAt;
  const takeover = await second.next('writer');
  // Its process still exists: the takeover waited for the heartbeat to stand still for two periods.
  assert.ok(takeover.at - lastBeat > 2 * HEARTBEAT_MS, `took over ${takeover.at - lastBeat} ms after the last heartbeat`);
  await sleep(2 * HEARTBEAT_MS);

  first.signal('SIGCONT');
  await first.next('lost');
  // The thawed process keeps appending in memory for a while; none of it may reach the disk.
  await sleep(4 * HEARTBEAT_MS);
  await first.kill('SIGTERM');
  await second.kill('SIGTERM');

  const checks = await recordedChecks(directory);
  const late = checks.filter((check) => check.targetId === 'first' && check.startedAt >= takeover.at);
  assert.deepEqual(late, [], 'the frozen writer wrote checks after it was replaced');
  assert.ok(
    checks.some((check) => check.targetId === 'first'),
    "the frozen writer's earlier checks are kept",
  );
  assert.ok(checks.filter((check) => check.targetId === 'second').length > 10, "the new writer's checks are kept");
});

test('the system clock set an hour forward or back neither moves the lease nor keeps a frozen writer in place', async (t) => {
  const { directory, first, second } = await writerAndReader(t);

  const HOUR_MS = 3_600_000;
  for (const offset of [HOUR_MS, -HOUR_MS]) {
    // One machine, one clock: both processes see it jump.
    await first.setClockOffset(offset);
    await second.setClockOffset(offset);
    await sleep(4 * HEARTBEAT_MS);
    assert.equal(
      second.messages.some((m) => m.event === 'writer'),
      false,
      `the reader took over after a jump of ${offset / HOUR_MS} h`,
    );
    assert.equal(
      first.messages.some((m) => m.event === 'lost'),
      false,
      `the writer stepped down after a jump of ${offset / HOUR_MS} h`,
    );
  }
  const beforeFreeze = Date.now();
  const written = (await recordedChecks(directory)).filter(
    (check) => check.targetId === 'first' && check.startedAt > beforeFreeze - 2 * HEARTBEAT_MS,
  );
  assert.ok(written.length > 0, 'the writer kept recording after the clock went back');

  // A writer whose heartbeats are dated an hour ahead, then frozen: its lease still goes stale.
  await first.setClockOffset(HOUR_MS);
  await second.setClockOffset(0);
  await sleep(2 * HEARTBEAT_MS);
  first.signal('SIGSTOP');
  const heartbeatAt = (JSON.parse(readFileSync(join(directory, LEASE_FILE), 'utf8')) as { heartbeatAt: number }).heartbeatAt;
  assert.ok(heartbeatAt > Date.now() + HOUR_MS / 2, "the frozen writer's last heartbeat is dated in the future");
  const takeover = await second.next('writer');
  t.diagnostic(`took over ${takeover.at - beforeFreeze} ms after the writer with a clock an hour ahead was frozen`);
});

for (const point of ['snapshot', 'flush'] as const) {
  test(`a writer frozen just before its ${point} writes, past its lease, loses no check of its own or of the writer that took over`, async (t) => {
    const { directory, first, second } = await writerAndReader(t);
    await sleep(2 * HEARTBEAT_MS);

    // Frozen at the worst moment: for a snapshot, holding the lock after checking its epoch, just
    // before the rename; for a flush, just before its lines are written.
    await first.command({ freezeAt: point }, 'armed');
    if (point === 'snapshot') await first.command({ snapshot: true }, 'freezing');
    else await first.next('freezing');
    await first.stopped();
    const takeover = await second.next('writer');
    assert.deepEqual(takeover.inherited, ['first']);
    // The new writer records and snapshots while the old one is frozen.
    await sleep(3 * HEARTBEAT_MS);
    second.send({ snapshot: true });
    await sleep(HEARTBEAT_MS);

    first.signal('SIGCONT');
    await first.next('lost');
    await sleep(3 * HEARTBEAT_MS);
    // Both then crash: what is on disk must hold every durable check, with no final snapshot to
    // paper over what the thawed writer did.
    await first.kill('SIGKILL');
    await second.kill('SIGKILL');

    const checks = await recordedChecks(directory);
    const keys = checks.map((check) => `${check.targetId} ${check.startedAt}`);
    assert.equal(new Set(keys).size, keys.length, 'no check is recorded twice');
    for (const writer of [first, second]) {
      const { through, count } = writer.lastDurable();
      const kept = checks.filter((check) => check.targetId === writer.name && check.startedAt <= through).length;
      assert.equal(kept, count, `every check ${writer.name} reported durable is in the history, once`);
      t.diagnostic(
        `${writer.name}: ${count} checks reported durable, ${checks.filter((check) => check.targetId === writer.name).length} in the history`,
      );
    }
    assert.ok(second.lastDurable().count > 10, 'the new writer recorded');
    const lateChecks = checks.filter((check) => check.targetId === 'first' && check.startedAt >= takeover.at);
    assert.deepEqual(lateChecks, [], 'nothing the thawed writer recorded after the takeover got in');

    // The newest snapshot is the new writer's, and SQLite finds nothing wrong in it.
    const snapshots = readdirSync(directory).filter((name) => parseSnapshotName(name) !== undefined);
    const newest = snapshots.sort((a, b) => parseSnapshotName(b)! - parseSnapshotName(a)!)[0]!;
    const sql = await loadSqlJs();
    const db = new sql.Database(gunzipSync(readFileSync(join(directory, newest))));
    try {
      assert.equal(db.exec('PRAGMA integrity_check')[0]?.values[0]?.[0], 'ok');
    } finally {
      db.close();
    }
  });
}
