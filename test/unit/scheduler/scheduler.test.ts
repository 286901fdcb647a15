import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { CheckResult } from '../../../src/core/probes/checkResult';
import type { CheckStatus } from '../../../src/shared/targetStatus';
import type { MonitorEvent } from '../../../src/core/scheduler/monitorEvent';
import { Scheduler, type SchedulerOptions } from '../../../src/core/scheduler/scheduler';
import { phaseOffsetMs } from '../../../src/core/scheduler/stagger';
import type { Target } from '../../../src/core/targets/target';
import { makeResult, makeTarget } from './fixtures';
import { ManualClock, settle } from './manualClock';

interface ProbeCall {
  targetId: string;
  at: number;
  signal: AbortSignal;
}

/**
 * Stands in for the network (the scheduler's dependency, not the thing under test): answers each
 * target with its scripted statuses, then UP; with `hold`, each check waits until released.
 */
class ScriptedProbe {
  readonly calls: ProbeCall[] = [];
  running = 0;
  maxRunning = 0;
  hold = false;
  private readonly scripts = new Map<string, CheckStatus[]>();
  private readonly held: (() => void)[] = [];

  constructor(private readonly clock: ManualClock) {}

  script(id: string, statuses: CheckStatus[]): void {
    this.scripts.set(id, [...statuses]);
  }

  callsOf(id: string): ProbeCall[] {
    return this.calls.filter((call) => call.targetId === id);
  }

  /** Lets the oldest held checks finish. */
  release(count = Infinity): void {
    for (let i = 0; i < count && this.held.length > 0; i++) this.held.shift()!();
  }

  readonly run = async (target: Target, signal: AbortSignal): Promise<CheckResult> => {
    const startedAt = this.clock.now();
    this.calls.push({ targetId: target.id, at: startedAt, signal });
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
      const status = this.scripts.get(target.id)?.shift() ?? 'UP';
      return makeResult(target, status, startedAt);
    } finally {
      this.running--;
    }
  };
}

let current: Scheduler | undefined;
afterEach(() => current?.dispose());

function setup(options: Partial<SchedulerOptions> = {}): {
  clock: ManualClock;
  probe: ScriptedProbe;
  scheduler: Scheduler;
  events: MonitorEvent[];
} {
  const clock = new ManualClock();
  const probe = new ScriptedProbe(clock);
  const scheduler = new Scheduler({ runCheck: probe.run, clock, retries: 0, retryDelayMs: 500, ...options });
  current = scheduler;
  const events: MonitorEvent[] = [];
  scheduler.onEvent((event) => events.push(event));
  return { clock, probe, scheduler, events };
}

function ofType<T extends MonitorEvent['type']>(events: MonitorEvent[], type: T): Extract<MonitorEvent, { type: T }>[] {
  return events.filter((event): event is Extract<MonitorEvent, { type: T }> => event.type === type);
}

describe('Scheduler', () => {
  it('spreads first checks over the interval by target id, then checks each target once per interval on its slot', async () => {
    const { clock, probe, scheduler } = setup();
    const start = clock.now();
    const targets = Array.from({ length: 20 }, (_, i) => makeTarget(`t${i}`, { interval: 10 }));
    scheduler.setTargets(targets);
    scheduler.start();
    const due = clock.pendingDueTimes();
    assert.equal(due.length, 20);
    assert.ok(due.every((at) => at >= start && at < start + 10_000));
    assert.ok(due[19]! - due[0]! > 5_000, `first checks spread over ${due[19]! - due[0]!} ms only`);

    await clock.advance(30_000);
    for (const target of targets) {
      const times = probe.callsOf(target.id).map((call) => call.at);
      assert.equal(times.length, 3, target.id);
      // On the target's own grid: the same offset into every interval.
      assert.ok(times.every((at) => ((at % 10_000) + 10_000) % 10_000 === phaseOffsetMs(target.id, 10_000)));
      assert.deepEqual([times[1]! - times[0]!, times[2]! - times[1]!], [10_000, 10_000]);
    }
  });

  it('checks every target at once when staggering is off, from the moment it starts', async () => {
    const { clock, probe, scheduler } = setup({ staggerFirstChecks: false });
    scheduler.setTargets([makeTarget('a'), makeTarget('b')]);
    await clock.advance(3_000);
    scheduler.start();
    const startedAt = clock.now();
    await clock.advance(10_000);
    assert.deepEqual(
      probe.calls.map((call) => call.at - startedAt),
      [0, 0, 10_000, 10_000],
    );
  });

  it('does not start a second check of a target while one runs past its next slot', async () => {
    const { clock, probe, scheduler, events } = setup({ staggerFirstChecks: false });
    scheduler.setTargets([makeTarget('slow', { interval: 1, timeout: 10_000 })]);
    scheduler.start();
    probe.hold = true;
    await clock.advance(3_500);
    assert.equal(probe.calls.length, 1);
    assert.equal(scheduler.state('slow')?.checking, true);
    probe.hold = false;
    probe.release();
    await settle();
    assert.equal(ofType(events, 'checkCompleted').length, 1);
    // The next check is on the next slot after the long one ended, not a burst of missed ones.
    await clock.advance(1_000);
    assert.deepEqual(
      probe.calls.map((call) => call.at - probe.calls[0]!.at),
      [0, 4_000],
    );
  });

  it('runs no more checks at once than the cap, and serves waiting targets in the order they became due', async () => {
    const { clock, probe, scheduler } = setup({ concurrency: 3, staggerFirstChecks: false });
    const ids = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'];
    scheduler.setTargets(ids.map((id) => makeTarget(id)));
    scheduler.start();
    probe.hold = true;
    await clock.advance(0);
    assert.equal(probe.running, 3);
    for (let round = 0; round < ids.length && probe.calls.length < ids.length; round++) {
      probe.release(1);
      await settle();
    }
    probe.release();
    await settle();
    assert.deepEqual(
      probe.calls.map((call) => call.targetId),
      ids,
    );
    assert.equal(probe.maxRunning, 3);
  });

  it('retries a failed check after the retry delay and counts only the final attempt', async () => {
    const { clock, probe, scheduler, events } = setup({ retries: 1, staggerFirstChecks: false });
    scheduler.setTargets([makeTarget('a')]);
    probe.script('a', ['DOWN', 'UP']);
    scheduler.start();
    await clock.advance(1_000);
    assert.deepEqual(
      probe.calls.map((call) => call.at - probe.calls[0]!.at),
      [0, 500],
    );
    assert.deepEqual(
      events.map((event) => event.type),
      ['checkRetrying', 'checkCompleted', 'stateChanged'],
    );
    const completed = ofType(events, 'checkCompleted')[0]!;
    assert.equal(completed.result.status, 'UP');
    assert.equal(completed.attempts, 2);
    assert.equal(completed.startedAt, probe.calls[0]!.at);
    assert.equal(completed.state.status, 'UP');
    assert.equal(completed.state.checking, false);
  });

  it('counts a check as failed once its retries fail, and does not retry while the target is already down', async () => {
    const { clock, probe, scheduler, events } = setup({ retries: 2, staggerFirstChecks: false });
    scheduler.setTargets([makeTarget('a', { interval: 10 })]);
    probe.script('a', ['DOWN', 'DOWN', 'DOWN', 'DOWN', 'DOWN']);
    scheduler.start();
    await clock.advance(25_000);
    const completed = ofType(events, 'checkCompleted');
    assert.deepEqual(
      completed.map((event) => [event.result.status, event.attempts]),
      [
        ['DOWN', 3],
        ['DOWN', 1],
        ['DOWN', 1],
      ],
    );
    assert.equal(ofType(events, 'checkRetrying').length, 2);
    assert.equal(probe.calls.length, 5);
    assert.equal(scheduler.state('a')?.consecutiveFailures, 3);
  });

  it('frees its concurrency slot while waiting to retry', async () => {
    const { clock, probe, scheduler } = setup({ concurrency: 1, retries: 1, staggerFirstChecks: false });
    scheduler.setTargets([makeTarget('a'), makeTarget('b')]);
    probe.script('a', ['DOWN', 'UP']);
    scheduler.start();
    await clock.advance(0);
    // a failed and waits 500 ms to retry; b ran meanwhile instead of waiting for a's retry.
    assert.deepEqual(
      probe.calls.map((call) => call.targetId),
      ['a', 'b'],
    );
    await clock.advance(500);
    assert.deepEqual(
      probe.calls.map((call) => call.targetId),
      ['a', 'b', 'a'],
    );
  });

  it('alerts once after the threshold of failed checks and reports the recovery with its downtime', async () => {
    const { clock, probe, scheduler, events } = setup({ alertThreshold: 3, staggerFirstChecks: false });
    scheduler.setTargets([makeTarget('a', { interval: 10 })]);
    probe.script('a', ['UP', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'UP', 'UP']);
    scheduler.start();
    await clock.advance(75_000);
    assert.equal(ofType(events, 'checkCompleted').length, 8);
    const alerts = ofType(events, 'alert');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.consecutiveFailures, 3);
    const recoveries = ofType(events, 'recovered');
    assert.equal(recoveries.length, 1);
    assert.equal(recoveries[0]!.downtimeMs, 50_000);
    // checkCompleted comes first, then what it caused.
    const alertIndex = events.indexOf(alerts[0]!);
    assert.equal(events[alertIndex - 1]?.type, 'checkCompleted');
  });

  it('stops checking a paused target, abandons its running check, and resumes on its next slot', async () => {
    const { clock, probe, scheduler, events } = setup({ staggerFirstChecks: false });
    scheduler.setTargets([makeTarget('a', { interval: 10 }), makeTarget('b', { interval: 10 })]);
    scheduler.start();
    probe.hold = true;
    await clock.advance(0);
    assert.equal(scheduler.pause('a'), true);
    assert.equal(scheduler.pause('a'), false);
    assert.equal(probe.callsOf('a')[0]!.signal.aborted, true);
    probe.hold = false;
    probe.release();
    await clock.advance(60_000);
    assert.equal(probe.callsOf('a').length, 1);
    assert.equal(probe.callsOf('b').length, 7);
    assert.deepEqual(
      ofType(events, 'checkCompleted').filter((event) => event.target.id === 'a'),
      [],
    );
    assert.equal(scheduler.state('a')?.status, 'PAUSED');
    assert.equal(scheduler.state('a')?.nextCheckAt, null);

    assert.equal(scheduler.resume('a'), true);
    assert.equal(scheduler.resume('a'), false);
    assert.equal(scheduler.state('a')?.status, 'UNKNOWN');
    await clock.advance(10_000);
    assert.equal(probe.callsOf('a').length, 2);
    assert.deepEqual(
      ofType(events, 'stateChanged')
        .filter((event) => event.target.id === 'a')
        .map((event) => `${event.from}>${event.to}`),
      ['UNKNOWN>PAUSED', 'PAUSED>UNKNOWN', 'UNKNOWN>UP'],
    );
  });

  it('pauses and resumes every target at once', async () => {
    const { clock, probe, scheduler } = setup();
    scheduler.setTargets([makeTarget('a'), makeTarget('b'), makeTarget('c')]);
    scheduler.start();
    scheduler.pauseAll();
    await clock.advance(60_000);
    assert.equal(probe.calls.length, 0);
    assert.ok(scheduler.states().every((state) => state.status === 'PAUSED'));
    scheduler.resumeAll();
    await clock.advance(10_000);
    assert.deepEqual(probe.calls.map((call) => call.targetId).sort(), ['a', 'b', 'c']);
  });

  it('checks now on request, joins a check already running, and keeps the schedule', async () => {
    const { probe, scheduler, events } = setup();
    const target = makeTarget('a', { interval: 10 });
    scheduler.setTargets([target]);
    scheduler.start();
    const slot = scheduler.state('a')!.nextCheckAt!;
    probe.hold = true;
    const first = scheduler.checkNow('a');
    const second = scheduler.checkNow('a');
    await settle();
    assert.equal(probe.calls.length, 1);
    probe.hold = false;
    probe.release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a?.status, 'UP');
    assert.equal(a, b);
    assert.equal(ofType(events, 'checkCompleted')[0]?.plannedAt, null);
    await settle();
    assert.equal(scheduler.state('a')?.nextCheckAt, slot);
    assert.equal(await scheduler.checkNow('missing'), undefined);
  });

  it('runs one check of a paused target on request without changing its state', async () => {
    const { scheduler, events } = setup();
    scheduler.setTargets([makeTarget('a', { paused: true })]);
    scheduler.start();
    const result = await scheduler.checkNow('a');
    assert.equal(result?.status, 'UP');
    assert.equal(scheduler.state('a')?.status, 'PAUSED');
    assert.deepEqual(
      events.map((event) => event.type),
      ['checkCompleted'],
    );
  });

  it('applies a new target list: keeps unchanged targets, starts new ones, stops removed ones, moves changed intervals', async () => {
    const { clock, probe, scheduler, events } = setup({ alertThreshold: 1, staggerFirstChecks: false });
    const keep = makeTarget('keep', { interval: 10 });
    const gone = makeTarget('gone', { interval: 10, timeout: 30_000 });
    scheduler.setTargets([keep, gone]);
    probe.script('keep', ['DOWN']);
    scheduler.start();
    await clock.advance(0);
    assert.equal(scheduler.state('keep')?.status, 'DOWN');

    probe.hold = true;
    await clock.advance(10_000);
    const goneCall = probe.callsOf('gone')[1]!;
    probe.hold = false;
    probe.release(1);
    await settle();

    const added = makeTarget('added', { interval: 10 });
    const warnings = scheduler.setTargets([{ ...keep, name: 'Renamed', intervalMs: 20_000 }, added]);
    assert.deepEqual(warnings, []);
    assert.equal(goneCall.signal.aborted, true, 'the removed target’s check is abandoned');
    probe.release();
    assert.equal(scheduler.state('gone'), undefined);
    const kept = scheduler.state('keep')!;
    assert.equal(kept.status, 'UP', 'the state of an unchanged id is kept');
    assert.equal(kept.nextCheckAt, clock.now() + 20_000, 'the changed interval applies from now');
    assert.deepEqual(
      scheduler.states().map((state) => state.targetId),
      ['keep', 'added'],
    );

    const before = probe.calls.length;
    await clock.advance(40_000);
    assert.equal(probe.calls.length - before - probe.callsOf('added').length, 2, 'keep is checked every 20 s now');
    assert.equal(probe.callsOf('gone').length, 2);
    assert.equal(
      ofType(events, 'checkCompleted')
        .filter((event) => event.target.id === 'keep')
        .at(-1)?.target.name,
      'Renamed',
    );
  });

  it('pauses or resumes a target whose paused setting changes, and keeps a manual pause otherwise', async () => {
    const { scheduler, events } = setup();
    const a = makeTarget('a');
    const b = makeTarget('b');
    scheduler.setTargets([a, b]);
    scheduler.start();
    scheduler.pause('b');
    scheduler.setTargets([{ ...a, paused: true }, b]);
    assert.equal(scheduler.state('a')?.status, 'PAUSED');
    assert.equal(scheduler.state('b')?.status, 'PAUSED');
    scheduler.setTargets([a, b]);
    assert.equal(scheduler.state('a')?.status, 'UNKNOWN');
    assert.equal(scheduler.state('b')?.status, 'PAUSED');
    assert.equal(ofType(events, 'stateChanged').length, 3);
  });

  it('warns about intervals under 10 s once, raises intervals under 1 s to 1 s, and skips duplicate ids', async () => {
    const { clock, probe, scheduler, events } = setup({ staggerFirstChecks: false });
    const fast = makeTarget('fast', { interval: 2, name: 'Fast API' });
    const tooFast = { ...makeTarget('too-fast'), intervalMs: 200 };
    const warnings = scheduler.setTargets([fast, tooFast, makeTarget('fast', { url: 'http://127.0.0.1:9/other' })]);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!.message, /"Fast API" is checked every 2 s\. Intervals under 10 s/);
    assert.match(warnings[1]!.message, /every 0\.2 s; the shortest interval is 1 s/);
    assert.match(warnings[2]!.message, /Two targets share the id "fast"/);
    assert.deepEqual(
      ofType(events, 'warning').map((event) => event.message),
      warnings.map((warning) => warning.message),
    );
    assert.deepEqual(scheduler.setTargets([fast, tooFast]), [], 'no repeat for unchanged intervals');
    scheduler.start();
    await clock.advance(4_000);
    assert.equal(probe.callsOf('too-fast').length, 5);
    assert.equal(probe.callsOf('fast').length, 3);
  });

  it('counts a probe that throws as down with a readable reason, and warns', async () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler({ clock, retries: 0, runCheck: () => Promise.reject(new Error('socket exploded')) });
    current = scheduler;
    const events: MonitorEvent[] = [];
    scheduler.onEvent((event) => events.push(event));
    scheduler.setTargets([makeTarget('a')]);
    const result = await scheduler.checkNow('a');
    assert.equal(result?.status, 'DOWN');
    assert.equal(result?.reason, 'ERROR');
    assert.match(result?.message ?? '', /socket exploded/);
    assert.match(ofType(events, 'warning')[0]?.message ?? '', /failed unexpectedly \(socket exploded\)/);
  });

  it('aborts a check that outlives its timeout and stops waiting for a probe that ignores the abort', async () => {
    const clock = new ManualClock();
    let sawAbort = false;
    const scheduler = new Scheduler({
      clock,
      retries: 0,
      checkGraceMs: 100,
      runCheck: (_target, signal) => {
        signal.addEventListener('abort', () => (sawAbort = true));
        return new Promise<CheckResult>(() => undefined);
      },
    });
    current = scheduler;
    const events: MonitorEvent[] = [];
    scheduler.onEvent((event) => events.push(event));
    scheduler.setTargets([makeTarget('a', { timeout: 1_000 })]);
    const pending = scheduler.checkNow('a');
    await settle();
    await clock.advance(1_099);
    assert.equal(sawAbort, false);
    await clock.advance(1);
    assert.equal(sawAbort, true);
    await clock.advance(100);
    const result = await pending;
    assert.equal(result?.reason, 'TIMEOUT');
    assert.equal(result?.totalMs, 1_200);
    assert.equal(ofType(events, 'warning').length, 1);
  });

  it('counts a probe that overruns its timeout and then gives up on the abort as a timeout', async () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler({
      clock,
      retries: 0,
      checkGraceMs: 100,
      runCheck: (_target, signal) =>
        new Promise<CheckResult>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    });
    current = scheduler;
    const events: MonitorEvent[] = [];
    scheduler.onEvent((event) => events.push(event));
    scheduler.setTargets([makeTarget('a', { timeout: 1_000 })]);
    const pending = scheduler.checkNow('a');
    await settle();
    await clock.advance(1_100);
    const result = await pending;
    assert.equal(result?.reason, 'TIMEOUT');
    assert.deepEqual(
      ofType(events, 'warning').map((event) => /did not stop when its time ran out/.test(event.message)),
      [true],
    );
  });

  it('applies new settings without losing state, and rejects impossible ones', async () => {
    const { clock, probe, scheduler, events } = setup({ concurrency: 1, alertThreshold: 5, staggerFirstChecks: false });
    scheduler.setTargets([makeTarget('a'), makeTarget('b'), makeTarget('c')]);
    probe.script('a', ['DOWN', 'DOWN']);
    probe.hold = true;
    scheduler.start();
    await clock.advance(0);
    assert.equal(probe.running, 1);
    scheduler.updateSettings({ concurrency: 3, alertThreshold: 2 });
    await settle();
    assert.equal(probe.running, 3);
    probe.hold = false;
    probe.release();
    await clock.advance(10_000);
    assert.equal(ofType(events, 'alert').length, 1);
    assert.throws(() => scheduler.updateSettings({ retries: -1 }), /"retries" must be a whole number of at least 0/);
    assert.throws(() => new Scheduler({ runCheck: probe.run, alertThreshold: 0 }), RangeError);
    assert.equal(scheduler.currentSettings.retries, 0);
  });

  it('on dispose clears every timer, aborts running checks, and neither starts checks nor publishes events after', async () => {
    // One slot: "retrying" failed and waits to retry, "running" holds the slot, "queued" waits for it.
    const { clock, probe, scheduler, events } = setup({ concurrency: 1, retries: 1, staggerFirstChecks: false });
    scheduler.setTargets([makeTarget('retrying'), makeTarget('running'), makeTarget('queued', { interval: 30 })]);
    probe.script('retrying', ['DOWN']);
    scheduler.start();
    probe.hold = true;
    await clock.advance(0);
    probe.release(1);
    await settle();
    assert.equal(ofType(events, 'checkRetrying').length, 1);
    assert.deepEqual(
      probe.calls.map((call) => call.targetId),
      ['retrying', 'running'],
    );
    const runningCall = probe.callsOf('running')[0]!;
    assert.ok(clock.pendingTimers > 0);
    const eventsBefore = events.length;

    scheduler.dispose();
    assert.equal(clock.pendingTimers, 0);
    assert.equal(runningCall.signal.aborted, true);
    probe.hold = false;
    probe.release();
    await clock.advance(120_000);
    assert.equal(probe.calls.length, 2);
    assert.equal(events.length, eventsBefore);
    assert.equal(await scheduler.checkNow('running'), undefined);
    scheduler.start();
    await clock.advance(60_000);
    assert.equal(probe.calls.length, 2);
  });
});

describe('Scheduler with targets that time out', () => {
  it('lets targets that timed out hold at most half of the slots, so the others are checked on time', async () => {
    const clock = new ManualClock();
    const hanging = new Set(['h0', 'h1', 'h2', 'h3', 'h4', 'h5']);
    const calls: { targetId: string; at: number }[] = [];
    let hangingRunning = 0;
    let maxHangingAfterFirstRound = 0;
    let firstRoundOver = false;
    // A hanging server: the probe answers TIMEOUT when the target's timeout has passed.
    const runCheck = async (target: Target): Promise<CheckResult> => {
      const startedAt = clock.now();
      calls.push({ targetId: target.id, at: startedAt });
      if (!hanging.has(target.id)) return makeResult(target, 'UP', startedAt);
      hangingRunning++;
      if (firstRoundOver) maxHangingAfterFirstRound = Math.max(maxHangingAfterFirstRound, hangingRunning);
      await new Promise<void>((resolve) => clock.setTimer(resolve, target.timeoutMs));
      hangingRunning--;
      return { ...makeResult(target, 'DOWN', startedAt), reason: 'TIMEOUT', message: 'No answer in time.' };
    };
    const scheduler = new Scheduler({ runCheck, clock, retries: 0, concurrency: 4, staggerFirstChecks: false });
    current = scheduler;
    scheduler.setTargets([
      ...[...hanging].map((id) => makeTarget(id, { interval: 10, timeout: 5_000 })),
      makeTarget('fast', { interval: 10, timeout: 5_000 }),
    ]);
    const startedAt = clock.now();
    scheduler.start();
    // First round: nobody is known to hang yet, so the hanging targets fill the slots.
    await clock.advance(9_000);
    firstRoundOver = true;
    const secondRoundFrom = clock.now();
    await clock.advance(12_000);
    const fastSecond = calls.filter((call) => call.targetId === 'fast' && call.at >= secondRoundFrom);
    assert.ok(fastSecond.length >= 1, 'the fast target was checked in the second round');
    assert.ok(maxHangingAfterFirstRound <= 2, `${maxHangingAfterFirstRound} hanging checks held slots at once; half of 4 is 2`);
    assert.ok(maxHangingAfterFirstRound >= 1, 'the hanging targets are still checked');
    // On its grid: its second check is due one interval after the start, and nothing hanging delays it.
    assert.equal(fastSecond[0]!.at, startedAt + 10_000);
  });
});
