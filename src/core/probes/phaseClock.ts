import { performance } from 'node:perf_hooks';
import type { PhaseTimings } from './checkResult';

/**
 * Splits one monotonic stopwatch into consecutive phases: each `lap` charges the time since the
 * previous lap to a phase, so the phases always add up to the total exactly.
 */
export class PhaseClock {
  readonly phases: PhaseTimings = { dns: 0, connect: 0, tls: 0, firstByte: 0, transfer: 0 };
  private readonly startedAt = performance.now();
  private lastMark = this.startedAt;

  lap(phase: keyof PhaseTimings): void {
    const now = performance.now();
    this.phases[phase] += now - this.lastMark;
    this.lastMark = now;
  }

  /** Milliseconds from the start to the last lap. */
  get totalMs(): number {
    return this.lastMark - this.startedAt;
  }

  /** Milliseconds from the start to now (also counting time not yet charged to a phase). */
  elapsedMs(): number {
    return performance.now() - this.startedAt;
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
