import { performance } from 'node:perf_hooks';
import type { PhaseTimings } from './checkResult';

/**
 * Splits one monotonic stopwatch into consecutive phases: each `lap` charges the time since the
 * previous lap to a phase, so the phases always add up to the total exactly.
 */
export class PhaseClock {
  readonly phases: PhaseTimings = { dns: 0, connect: 0, tls: 0, firstByte: 0, transfer: 0 };
  private startedAt = performance.now();
  private lastMark = this.startedAt;
  private lapped = false;

  /**
   * Restarts the stopwatch right before the check's first byte moves (its lookup or its connect),
   * as long as nothing has been timed yet: parsing, settings and policy before that are our own
   * work, not the target's time, and they run slower when the process has been idle.
   */
  startNow(): void {
    if (this.lapped) return;
    this.startedAt = performance.now();
    this.lastMark = this.startedAt;
  }

  /**
   * Charges the time up to `at` (now by default) to `phase`. `at` is when the bytes that end the
   * phase were handed to us, so the work done after reading them is not counted.
   */
  lap(phase: keyof PhaseTimings, at = performance.now()): void {
    const mark = Math.max(at, this.lastMark);
    this.phases[phase] += mark - this.lastMark;
    this.lastMark = mark;
    this.lapped = true;
  }

  /** Milliseconds from the start to the last lap. */
  get totalMs(): number {
    return this.lastMark - this.startedAt;
  }
}

/** Rounds for reporting: microsecond precision is plenty and keeps JSON short. */
export function roundPhases(phases: PhaseTimings): PhaseTimings {
  return {
    dns: round3(phases.dns),
    connect: round3(phases.connect),
    tls: round3(phases.tls),
    firstByte: round3(phases.firstByte),
    transfer: round3(phases.transfer),
  };
}

export function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
