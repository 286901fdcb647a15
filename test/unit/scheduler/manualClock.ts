/** A clock the test moves by hand: timers fire in time order as `advance` passes their due time. */
import type { SchedulerClock, TimerHandle } from '../../../src/core/scheduler/schedulerClock';

interface ManualTimer {
  at: number;
  seq: number;
  callback: () => void;
}

export class ManualClock implements SchedulerClock {
  private time: number;
  private readonly timers = new Map<number, ManualTimer>();
  private nextId = 1;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, delayMs), seq: id, callback });
    return id;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Due times of the pending timers, earliest first. */
  pendingDueTimes(): number[] {
    return [...this.timers.values()].map((timer) => timer.at).sort((a, b) => a - b);
  }

  /**
   * Moves time forward by `ms`, firing each timer at its due time, earliest first, and letting
   * promise callbacks and immediates run after each one (so async code reacts as it would).
   */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (let fired = 0; ; fired++) {
      if (fired > 100_000) throw new Error('ManualClock.advance fired over 100,000 timers; a timer loop?');
      let next: [number, ManualTimer] | undefined;
      for (const entry of this.timers) {
        const [, timer] = entry;
        if (timer.at > until) continue;
        if (!next || timer.at < next[1].at || (timer.at === next[1].at && timer.seq < next[1].seq)) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].callback();
      await settle();
    }
    this.time = until;
    await settle();
  }
}

/** Lets every pending promise callback and immediate run. */
export async function settle(): Promise<void> {
  for (let round = 0; round < 3; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}
