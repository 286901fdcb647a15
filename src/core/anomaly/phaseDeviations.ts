/**
 * How far each phase of a check (dns, connect, tls, firstByte, transfer) is from its own recent
 * behaviour, in robust z units. A slow resolver or a heavier handshake can hide in a normal total
 * (the server's own variation is larger), but it stands out in its phase.
 *
 * Each phase goes through asinh(ms / c) with c a twentieth of the target's typical total: a phase
 * far below that is measured in milliseconds, so a 0.1 ms resolver turning into 0.4 ms is not news,
 * while one that grows to a sizeable part of the total is measured in factors.
 */
import type { PhaseTimings } from '../probes/checkResult';
import { RollingWindow } from './rollingWindow';

export const PHASE_NAMES = ['dns', 'connect', 'tls', 'firstByte', 'transfer'] as const;
export const PHASE_COUNT = PHASE_NAMES.length;

/** Checks with phases observed before the knee is chosen. */
const DECIDE_AFTER = 16;
const KNEE_FRACTION = 0.05;
/** In transformed units: a twentieth of the knee, so changes well under 1 % of the total do not count. */
const MIN_SCALE = 0.05;
const MIN_CONTEXT = 8;

export class PhaseDeviationTracker {
  private readonly windows: RollingWindow[];
  private readonly firstTotals = new Float64Array(DECIDE_AFTER);
  private observed = 0;
  private knee = Number.NaN;
  /** The two previous z of each phase, for a median of three. */
  private readonly previous = new Float64Array(2 * PHASE_COUNT);

  constructor(contextSize: number) {
    this.windows = Array.from({ length: PHASE_COUNT }, () => new RollingWindow(contextSize));
  }

  /**
   * Writes each phase's z against the past into `z` and the median of its last three z into
   * `persistent`, then learns the check. Returns false (and writes nothing) until there is enough
   * history.
   */
  update(phases: PhaseTimings, z: Float64Array, persistent: Float64Array): boolean {
    if (Number.isNaN(this.knee)) {
      this.firstTotals[this.observed++] = phases.dns + phases.connect + phases.tls + phases.firstByte + phases.transfer;
      if (this.observed === DECIDE_AFTER) {
        const sorted = Array.from(this.firstTotals).sort((a, b) => a - b);
        this.knee = Math.max(KNEE_FRACTION * sorted[DECIDE_AFTER >> 1]!, 1e-3);
      }
      return false;
    }
    const ready = this.windows[0]!.size >= MIN_CONTEXT;
    for (let p = 0; p < PHASE_COUNT; p++) {
      const y = Math.asinh(Math.max(0, phases[PHASE_NAMES[p]!]) / this.knee);
      const window = this.windows[p]!;
      if (ready) {
        const median = window.median();
        const scale = Math.max(1.4826 * window.mad(median), 0.5 * window.meanAbsoluteStep(), MIN_SCALE);
        const value = (y - median) / scale;
        const before = this.previous[2 * p]!;
        const older = this.previous[2 * p + 1]!;
        z[p] = value;
        persistent[p] = Math.max(Math.min(value, before), Math.min(Math.max(value, before), older));
        this.previous[2 * p + 1] = before;
        this.previous[2 * p] = value;
      }
      window.push(y);
    }
    return ready;
  }

  get byteSize(): number {
    return this.windows.reduce((n, w) => n + w.byteSize, 0) + this.firstTotals.byteLength + this.previous.byteLength;
  }

  reset(): void {
    for (const window of this.windows) window.clear();
    this.previous.fill(0);
    this.observed = 0;
    this.knee = Number.NaN;
  }
}

/** Phase timings a probe could not have produced (negative, not finite) are ignored. */
export function usablePhases(phases: PhaseTimings | undefined): phases is PhaseTimings {
  if (!phases) return false;
  for (const name of PHASE_NAMES) if (!(Number.isFinite(phases[name]) && phases[name] >= 0)) return false;
  return true;
}
