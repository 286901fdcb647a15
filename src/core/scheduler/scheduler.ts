/**
 * Checks every target on its own interval and turns the results into state and events.
 *
 * - Timing: each target runs on a fixed grid (`stagger.ts`) whose phase comes from its id, so
 *   1,000 targets spread over their interval, the spread survives a restart, and a slow check does
 *   not make later ones drift. A check still running at its next slot skips that slot: a target
 *   is never checked twice at once.
 * - Concurrency: every attempt takes a slot from one FIFO `ConcurrencyLimiter`; a retry waits
 *   for its delay without holding a slot.
 * - Retries: a DOWN attempt is tried again after `retryDelayMs`, up to `retries` times, unless
 *   the target is already DOWN (an outage in progress needs no confirming, and retrying it would
 *   double the load on a dead server). Only the final attempt counts: it is the one published as
 *   `checkCompleted` and fed to the state machine. Each failed attempt that will be retried is
 *   published as `checkRetrying`, for logs only; the store must not count it.
 * - Events of one check, in order: `checkCompleted` (with the state after the check), then
 *   `stateChanged`, `flapping`/`flappingSettled`, `alert`/`recovered`/`reminder`,
 *   `certificateExpiring` (rules in `targetStateMachine.ts`).
 * - Pause: a paused target has no timer; its running check is aborted and publishes nothing.
 *   `checkNow` on a paused target runs one attempt and publishes it, without changing its state.
 * - Stop: `dispose()` clears every timer, aborts running checks through their AbortSignal and
 *   refuses queued ones; nothing starts or is published afterwards.
 */
import type { Disposable } from '../disposable';
import { isQuiet } from '../targets/maintenance';
import { Emitter, type Event } from '../events';
import type { CheckResult, FailureReason } from '../probes/checkResult';
import { checkMessage } from '../probes/checkRun';
import type { Target } from '../targets/target';
import { ConcurrencyLimiter } from './concurrencyLimiter';
import type { MonitorEvent, TargetState, WarningEvent } from './monitorEvent';
import { type SchedulerClock, systemClock, type TimerHandle } from './schedulerClock';
import { nextSlotAt, phaseOffsetMs } from './stagger';
import { type StateMachineSettings, TargetStateMachine } from './targetStateMachine';

/** Runs one check. Must settle soon after `signal` aborts; the scheduler stops waiting at once. */
export type RunCheck = (target: Target, signal: AbortSignal) => Promise<CheckResult>;

/** What the user can change while monitoring runs (see `updateSettings`). */
export interface SchedulerSettings {
  /** Checks running at the same time, over all targets. */
  concurrency: number;
  /** Extra attempts for a failed check before it counts. */
  retries: number;
  retryDelayMs: number;
  /** Consecutive failed checks before an alert. */
  alertThreshold: number;
  /** Remind every N minutes while a target stays down; 0 = never. */
  reminderMinutes: number;
  /** This many status changes within `flapWindowMs` make a target flapping. */
  flapThreshold: number;
  flapWindowMs: number;
  /** Warn when a certificate has this many days left or fewer; negative = never. */
  certExpiryDays: number;
  /**
   * Spread first checks over the interval by target id (default). Off: each target is first
   * checked as soon as it is added, then every interval from there.
   */
  staggerFirstChecks: boolean;
}

export interface SchedulerOptions extends Partial<SchedulerSettings> {
  runCheck: RunCheck;
  clock?: SchedulerClock;
  /**
   * How long past a target's own timeout the scheduler waits before aborting a check, and again
   * before giving up on a probe that ignores the abort (the check then counts as a timeout).
   */
  checkGraceMs?: number;
  /**
   * The shortest interval allowed (default 1 s, the product's rule). Tests and benches lower it to
   * exercise many checks quickly; the extension and the CLI leave it alone.
   */
  minIntervalMs?: number;
}

export const DEFAULT_SCHEDULER_SETTINGS: Readonly<SchedulerSettings> = {
  concurrency: 16,
  retries: 1,
  retryDelayMs: 2_000,
  alertThreshold: 3,
  reminderMinutes: 0,
  flapThreshold: 5,
  flapWindowMs: 10 * 60_000,
  certExpiryDays: 14,
  staggerFirstChecks: true,
};

export const MIN_INTERVAL_MS = 1_000;
export const SHORT_INTERVAL_WARNING_MS = 10_000;
const DEFAULT_CHECK_GRACE_MS = 2_000;
/** Used only if a target arrives without a usable interval (the target parser rejects those). */
const DEFAULT_INTERVAL_FALLBACK_MS = 60_000;
/** setTimeout fires at once beyond 2^31 - 1 ms; longer waits are re-armed in steps. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A check in flight, with its retries: what `checkNow` joins and a pause aborts. */
interface RunningCheck {
  promise: Promise<CheckResult | undefined>;
  controller: AbortController;
}

interface ScheduledTarget {
  target: Target;
  machine: TargetStateMachine;
  intervalMs: number;
  /** Where on the interval its slots fall; null: wherever the next scheduling happens (no stagger). */
  phaseMs: number | null;
  timer: TimerHandle | undefined;
  nextCheckAt: number | null;
  /** The slot of the last scheduled check, so the next one lands on a later slot. */
  lastPlannedAt: number | null;
  run: RunningCheck | undefined;
  /** Its last check ran out of time: it waits for a slot of the slow lane too (see `slowLane`). */
  slow: boolean;
}

/** The share of the check slots that targets timing out may hold at once. */
const SLOW_LANE_SHARE = 0.5;

function slowLaneLimit(concurrency: number): number {
  return Math.max(1, Math.floor(concurrency * SLOW_LANE_SHARE));
}

export class Scheduler implements Disposable {
  private readonly emitter = new Emitter<MonitorEvent>();
  /** Every event the scheduler publishes, in order. */
  readonly onEvent: Event<MonitorEvent> = this.emitter.event;

  private readonly runCheck: RunCheck;
  private readonly clock: SchedulerClock;
  private readonly checkGraceMs: number;
  private readonly minIntervalMs: number;
  private settings: SchedulerSettings;
  private readonly limiter: ConcurrencyLimiter;
  /**
   * Targets whose last check timed out hold their slot for the whole timeout. They take a slot of
   * this lane first, so together they hold at most half of the slots and a few hanging servers
   * cannot delay the checks of every other target.
   */
  private readonly slowLane: ConcurrencyLimiter;
  /** In the order of the last `setTargets`, which is the order `states()` reports. */
  private entries = new Map<string, ScheduledTarget>();
  private started = false;
  private disposed = false;

  constructor(options: SchedulerOptions) {
    const { runCheck, clock, checkGraceMs, minIntervalMs, ...settings } = options;
    this.runCheck = runCheck;
    this.clock = clock ?? systemClock;
    this.checkGraceMs = checkGraceMs ?? DEFAULT_CHECK_GRACE_MS;
    this.minIntervalMs = Math.max(1, minIntervalMs ?? MIN_INTERVAL_MS);
    this.settings = validateSettings({ ...DEFAULT_SCHEDULER_SETTINGS, ...withoutUndefined(settings) });
    this.limiter = new ConcurrencyLimiter(this.settings.concurrency);
    this.slowLane = new ConcurrencyLimiter(slowLaneLimit(this.settings.concurrency));
  }

  get currentSettings(): Readonly<SchedulerSettings> {
    return { ...this.settings };
  }

  /** Applies changed settings without losing any target's state. Throws RangeError on a bad value. */
  updateSettings(changes: Partial<SchedulerSettings>): void {
    const previous = this.settings;
    this.settings = validateSettings({ ...previous, ...withoutUndefined(changes) });
    this.limiter.setLimit(this.settings.concurrency);
    this.slowLane.setLimit(slowLaneLimit(this.settings.concurrency));
    const machineSettings = this.machineSettings();
    for (const entry of this.entries.values()) entry.machine.updateSettings(machineSettings);
    if (previous.staggerFirstChecks !== this.settings.staggerFirstChecks) {
      for (const entry of this.entries.values()) entry.phaseMs = this.phaseFor(entry.target.id, entry.intervalMs);
    }
  }

  /**
   * Replaces the list of targets. Targets are matched by id: an unchanged id keeps its state and
   * schedule; a new one starts on its staggered slot; a missing one stops (its running check is
   * abandoned); a changed interval moves the next check to the new grid. A change of `paused` in
   * the list pauses or resumes; otherwise a pause made with `pause()` stays.
   * Returns the warnings it also publishes as `warning` events (short intervals, duplicate ids).
   */
  setTargets(targets: readonly Target[]): WarningEvent[] {
    if (this.disposed) return [];
    const warnings: WarningEvent[] = [];
    const next = new Map<string, ScheduledTarget>();
    const events: MonitorEvent[] = [];
    for (const target of targets) {
      if (next.has(target.id)) {
        warnings.push({
          type: 'warning',
          target,
          message: `Two targets share the id "${target.id}"; only the first (${next.get(target.id)!.target.url}) is checked. Give each target its own id.`,
        });
        continue;
      }
      const existing = this.entries.get(target.id);
      const intervalMs = this.effectiveInterval(target, existing, warnings);
      if (!existing) {
        const entry: ScheduledTarget = {
          target,
          machine: new TargetStateMachine(target, this.machineSettings(), target.paused),
          intervalMs,
          phaseMs: this.phaseFor(target.id, intervalMs),
          timer: undefined,
          nextCheckAt: null,
          lastPlannedAt: null,
          run: undefined,
          slow: false,
        };
        next.set(target.id, entry);
        continue;
      }
      next.set(target.id, existing);
      const pausedBefore = existing.target.paused;
      existing.target = target;
      existing.machine.target = target;
      if (intervalMs !== existing.intervalMs) {
        existing.intervalMs = intervalMs;
        existing.phaseMs = this.phaseFor(target.id, intervalMs);
        this.clearTimer(existing);
      }
      if (target.paused !== pausedBefore) {
        const change = target.paused ? existing.machine.pause(this.clock.now()) : existing.machine.resume(this.clock.now());
        if (change) events.push(change);
        if (target.paused) this.stop(existing);
      }
    }
    for (const [id, entry] of this.entries) {
      if (!next.has(id)) this.stop(entry);
    }
    this.entries = next;
    for (const entry of next.values()) this.schedule(entry);
    for (const event of [...events, ...warnings]) this.emit(event);
    return warnings;
  }

  /** Starts checking. Targets set before start wait for it; `checkNow` works either way. */
  start(): void {
    if (this.started || this.disposed) return;
    this.started = true;
    for (const entry of this.entries.values()) this.schedule(entry);
  }

  /** Stops checking a target until `resume`; false for an unknown id or one already paused. */
  pause(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry || this.disposed) return false;
    const change = entry.machine.pause(this.clock.now());
    if (!change) return false;
    this.stop(entry);
    this.emit(change);
    return true;
  }

  /** Checks a paused target again from its next slot; false for an unknown id or one not paused. */
  resume(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry || this.disposed) return false;
    const change = entry.machine.resume(this.clock.now());
    if (!change) return false;
    this.schedule(entry);
    this.emit(change);
    return true;
  }

  pauseAll(): void {
    for (const id of [...this.entries.keys()]) this.pause(id);
  }

  /** Each target resumes on its own slot, so a thousand do not fire together. */
  resumeAll(): void {
    for (const id of [...this.entries.keys()]) this.resume(id);
  }

  /**
   * Checks a target now (with retries, unless paused) and resolves with the counted result. Joins
   * the check already running for it instead of starting a second one. Resolves undefined for an
   * unknown id, or when the check is abandoned (pause, removal, dispose).
   */
  checkNow(id: string): Promise<CheckResult | undefined> {
    const entry = this.entries.get(id);
    if (!entry || this.disposed) return Promise.resolve(undefined);
    if (entry.run) return entry.run.promise;
    this.clearTimer(entry);
    return this.startRun(entry, null);
  }

  state(id: string): TargetState | undefined {
    const entry = this.entries.get(id);
    return entry ? this.stateOf(entry) : undefined;
  }

  states(): TargetState[] {
    return [...this.entries.values()].map((entry) => this.stateOf(entry));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const entry of this.entries.values()) this.stop(entry);
    this.limiter.dispose();
    this.slowLane.dispose();
    this.emitter.dispose();
  }

  private stateOf(entry: ScheduledTarget): TargetState {
    return { ...entry.machine.snapshot(), nextCheckAt: entry.nextCheckAt, checking: entry.run !== undefined };
  }

  private machineSettings(): StateMachineSettings {
    const { alertThreshold, reminderMinutes, flapThreshold, flapWindowMs, certExpiryDays } = this.settings;
    return { alertThreshold, reminderMs: reminderMinutes * 60_000, flapThreshold, flapWindowMs, certExpiryDays };
  }

  private phaseFor(id: string, intervalMs: number): number | null {
    return this.settings.staggerFirstChecks ? phaseOffsetMs(id, intervalMs) : null;
  }

  private effectiveInterval(target: Target, existing: ScheduledTarget | undefined, warnings: WarningEvent[]): number {
    const asked = target.intervalMs;
    const minimum = this.minIntervalMs;
    const intervalMs = Number.isFinite(asked) ? Math.max(minimum, Math.round(asked)) : DEFAULT_INTERVAL_FALLBACK_MS;
    const changed = !existing || existing.target.intervalMs !== asked;
    if (!changed) return intervalMs;
    if (!Number.isFinite(asked) || asked < minimum) {
      warnings.push({
        type: 'warning',
        target,
        message: `"${target.name}" asks to be checked every ${formatSeconds(asked)}; the shortest interval is ${formatSeconds(minimum)}, so it is checked every ${formatSeconds(intervalMs)}. Set its interval to ${minimum / 1000} or more.`,
      });
    } else if (intervalMs < SHORT_INTERVAL_WARNING_MS) {
      warnings.push({
        type: 'warning',
        target,
        message: `"${target.name}" is checked every ${formatSeconds(intervalMs)}. Intervals under 10 s add load on the server and your network; use 10 s or more unless you need faster detection.`,
      });
    }
    return intervalMs;
  }

  /** Arms the timer for the next slot, unless stopped, paused, already armed or checking. */
  private schedule(entry: ScheduledTarget): void {
    if (!this.started || this.disposed || entry.machine.paused || entry.run || entry.timer !== undefined) return;
    if (this.entries.get(entry.target.id) !== entry) return;
    const plannedAt = this.nextPlannedAt(entry);
    entry.nextCheckAt = plannedAt;
    this.arm(entry, plannedAt);
  }

  private nextPlannedAt(entry: ScheduledTarget): number {
    const now = this.clock.now();
    // Without staggering, the grid is anchored when the target is first scheduled: a check now.
    const phaseMs = entry.phaseMs ?? (entry.phaseMs = ((now % entry.intervalMs) + entry.intervalMs) % entry.intervalMs);
    const last = entry.lastPlannedAt;
    if (last === null) return nextSlotAt(now, entry.intervalMs, phaseMs, true);
    // A timer may fire a moment before the wall clock reaches its slot; counting from that slot
    // keeps the same slot from running twice. A slot far ahead means the wall clock went back.
    const base = last > now && last - now < entry.intervalMs ? last : now;
    return nextSlotAt(base, entry.intervalMs, phaseMs, false);
  }

  private arm(entry: ScheduledTarget, plannedAt: number): void {
    const wanted = Math.max(0, plannedAt - this.clock.now());
    const capped = wanted > MAX_TIMER_DELAY_MS;
    entry.timer = this.clock.setTimer(
      () => {
        entry.timer = undefined;
        if (this.disposed) return;
        if (capped) {
          this.arm(entry, plannedAt);
          return;
        }
        entry.lastPlannedAt = plannedAt;
        void this.startRun(entry, plannedAt);
      },
      capped ? MAX_TIMER_DELAY_MS : wanted,
    );
  }

  private clearTimer(entry: ScheduledTarget): void {
    if (entry.timer !== undefined) this.clock.clearTimer(entry.timer);
    entry.timer = undefined;
    entry.nextCheckAt = null;
  }

  /** Clears the timer and abandons the running check. */
  private stop(entry: ScheduledTarget): void {
    this.clearTimer(entry);
    entry.run?.controller.abort(new Error('The check was abandoned: its target was paused, removed or monitoring stopped.'));
  }

  private startRun(entry: ScheduledTarget, plannedAt: number | null): Promise<CheckResult | undefined> {
    const controller = new AbortController();
    entry.nextCheckAt = null;
    const promise = this.execute(entry, plannedAt, controller.signal)
      .catch((error: unknown) => {
        // Only a bug gets here; the target must keep being checked and the process must not die.
        this.emit({
          type: 'warning',
          target: entry.target,
          message: `Checking "${entry.target.name}" went wrong (${error instanceof Error ? error.message : String(error)}). This is a bug in Network Monitor: please report it.`,
        });
        return undefined;
      })
      .finally(() => {
        if (entry.run?.controller === controller) entry.run = undefined;
        this.schedule(entry);
      });
    entry.run = { promise, controller };
    return promise;
  }

  private async execute(entry: ScheduledTarget, plannedAt: number | null, signal: AbortSignal): Promise<CheckResult | undefined> {
    let startedAt: number | undefined;
    let attempts = 0;
    let result: CheckResult;
    for (;;) {
      let release: () => void;
      try {
        release = await this.acquireSlot(entry, signal);
      } catch {
        return undefined;
      }
      if (signal.aborted || this.disposed) {
        release();
        return undefined;
      }
      attempts++;
      startedAt ??= this.clock.now();
      let outcome: CheckResult | undefined;
      try {
        outcome = await this.attempt(entry.target, signal);
      } finally {
        release();
      }
      if (outcome === undefined || signal.aborted || this.disposed) return undefined;
      result = outcome;
      entry.slow = result.reason === 'TIMEOUT';
      const paused = entry.machine.paused;
      const retryable = result.status === 'DOWN' && !paused && entry.machine.currentStatus !== 'DOWN';
      if (!retryable || attempts > this.settings.retries) break;
      const retryInMs = this.settings.retryDelayMs;
      this.emit({ type: 'checkRetrying', target: entry.target, result, attempt: attempts, retryInMs });
      if (!(await this.sleep(retryInMs, signal))) return undefined;
    }

    // A snooze or a maintenance window: the check counts and is recorded, but nothing is announced.
    const maintenance = isQuiet(entry.target.quiet, result.startedAt);
    const derived = entry.machine.apply(result, maintenance);
    // Published as it will be once this run ends: not checking, next slot known.
    const state = this.stateOf(entry);
    state.checking = false;
    state.nextCheckAt = this.started && !entry.machine.paused ? this.nextPlannedAt(entry) : null;
    this.emit({ type: 'checkCompleted', target: entry.target, result, state, plannedAt, startedAt, attempts, maintenance });
    for (const event of derived) this.emit(event);
    return result;
  }

  /**
   * One probe call, bounded: the probe's own timeout should end it; past that plus the grace it
   * is aborted, and past another grace the scheduler stops waiting and counts a timeout.
   * Resolves undefined when `signal` aborts.
   */
  /** A check slot, and first a slow-lane slot for a target that timed out last time; the release gives back both. */
  private async acquireSlot(entry: ScheduledTarget, signal: AbortSignal): Promise<() => void> {
    if (!entry.slow) return this.limiter.acquire(signal);
    const releaseLane = await this.slowLane.acquire(signal);
    try {
      const releaseSlot = await this.limiter.acquire(signal);
      return () => {
        releaseSlot();
        releaseLane();
      };
    } catch (error) {
      releaseLane();
      throw error;
    }
  }

  private attempt(target: Target, signal: AbortSignal): Promise<CheckResult | undefined> {
    const attemptStartedAt = this.clock.now();
    const controller = new AbortController();
    return new Promise<CheckResult | undefined>((resolve) => {
      let settled = false;
      let timer: TimerHandle | undefined;
      const finish = (value: CheckResult | undefined): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) this.clock.clearTimer(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const onAbort = (): void => {
        controller.abort(signal.reason);
        finish(undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      let overran = false;
      const countAsTimeout = (): void => {
        if (settled) return;
        this.emit({
          type: 'warning',
          target,
          message: `The check of "${target.name}" did not stop when its time ran out; it is counted as a timeout. This is a bug in Network Monitor: please report it.`,
        });
        finish(failedResult(target, attemptStartedAt, this.clock.now(), 'TIMEOUT', `No answer within ${target.timeoutMs} ms.`));
      };
      timer = this.clock.setTimer(() => {
        overran = true;
        controller.abort(new Error(`The check of ${target.url} ran past its timeout of ${target.timeoutMs} ms.`));
        timer = this.clock.setTimer(countAsTimeout, this.checkGraceMs);
      }, target.timeoutMs + this.checkGraceMs);

      let running: Promise<CheckResult>;
      try {
        running = this.runCheck(target, controller.signal);
      } catch (error) {
        running = Promise.reject(error);
      }
      running.then(finish, (error: unknown) => {
        if (settled || signal.aborted) {
          finish(undefined);
          return;
        }
        if (overran) {
          countAsTimeout();
          return;
        }
        const detail = error instanceof Error ? error.message : String(error);
        this.emit({
          type: 'warning',
          target,
          message: `The check of "${target.name}" failed unexpectedly (${detail}); it is counted as down. This is a bug in Network Monitor: please report it.`,
        });
        finish(failedResult(target, attemptStartedAt, this.clock.now(), 'ERROR', `The check could not run: ${detail}`));
      });
    });
  }

  /** Resolves true after `ms`, or false as soon as `signal` aborts. */
  private sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => {
        this.clock.clearTimer(timer);
        resolve(false);
      };
      const timer = this.clock.setTimer(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private emit(event: MonitorEvent): void {
    if (!this.disposed) this.emitter.fire(event);
  }
}

function failedResult(target: Target, startedAt: number, endedAt: number, reason: FailureReason, message: string): CheckResult {
  return {
    targetId: target.id,
    target: target.url,
    startedAt,
    status: 'DOWN',
    reason,
    message: checkMessage(target, message),
    statusCode: null,
    totalMs: Math.max(0, endedAt - startedAt),
    phases: { dns: 0, connect: 0, tls: 0, firstByte: 0, transfer: 0 },
    tls: null,
    addresses: [],
  };
}

function formatSeconds(ms: number): string {
  return Number.isFinite(ms) ? `${Number((ms / 1000).toFixed(3))} s` : String(ms);
}

function withoutUndefined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function validateSettings(settings: SchedulerSettings): SchedulerSettings {
  const wholeAtLeast = (name: keyof SchedulerSettings, min: number): void => {
    const value = settings[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new RangeError(`The scheduler setting "${name}" must be a whole number of at least ${min} (got ${String(value)}).`);
    }
  };
  const numberAtLeast = (name: keyof SchedulerSettings, min: number): void => {
    const value = settings[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new RangeError(`The scheduler setting "${name}" must be a number of at least ${min} (got ${String(value)}).`);
    }
  };
  wholeAtLeast('concurrency', 1);
  wholeAtLeast('retries', 0);
  numberAtLeast('retryDelayMs', 0);
  wholeAtLeast('alertThreshold', 1);
  numberAtLeast('reminderMinutes', 0);
  wholeAtLeast('flapThreshold', 2);
  numberAtLeast('flapWindowMs', 1);
  numberAtLeast('certExpiryDays', -Infinity);
  return settings;
}
