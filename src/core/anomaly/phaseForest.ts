/**
 * The phase channel's model: an isolation forest over a target's recent phase vectors (DNS,
 * connect, TLS, first byte, transfer). One number a check is blind to the mix of phases: a resolver
 * that got slower while the server got faster leaves the total where it was; a forest over the
 * five phases isolates such a check in few splits.
 *
 * The rows are the last `window` checks' phases in milliseconds as they come (a forest splits on
 * ranks within a feature, so no scale is needed). The forest (IsolationForestModel: trees grown by
 * ml-isolation-forest, each on a subsample of at most `subsampleSize` rows as scikit-learn does,
 * from a seeded source so runs repeat) is regrown every `refitEvery` checks, so the model follows
 * a target that changes while growing it stays a small share of the cost of a check.
 */
import type { PhaseTimings } from '../probes/checkResult';
import { IsolationForestModel } from './isolationForestModel';
import { createSeededRandom, type RandomSource } from './seededRandom';

export const PHASES = ['dns', 'connect', 'tls', 'firstByte', 'transfer'] as const satisfies readonly (keyof PhaseTimings)[];
export type Phase = (typeof PHASES)[number];

export interface PhaseForestOptions {
  /** Recent checks the forest is grown on. */
  window: number;
  /** Rows drawn for each tree (scikit-learn's default is 256). */
  subsampleSize: number;
  treeCount: number;
  /** Checks between two growths of the forest. */
  refitEvery: number;
  /** Rows needed before the first forest is grown. */
  minRows: number;
  seed: number;
}

export interface UnusualPhase {
  phase: Phase;
  /** The phase's share of this check's total over its usual (median) share. */
  factor: number;
}

export class PhaseForest {
  /** Ring of the last `window` rows, PHASES.length numbers each. */
  private readonly rows: Float64Array;
  private random: RandomSource;
  private forest: IsolationForestModel | null = null;
  private count = 0;
  private next = 0;
  private sinceFit = 0;

  constructor(private readonly options: PhaseForestOptions) {
    if (!(options.window >= 2 && options.subsampleSize >= 2 && options.treeCount >= 1 && options.refitEvery >= 1 && options.minRows >= 2)) {
      throw new Error('Phase forest options out of range: window, subsampleSize and minRows >= 2, treeCount and refitEvery >= 1.');
    }
    this.rows = new Float64Array(options.window * PHASES.length);
    this.random = createSeededRandom(options.seed);
  }

  /** Bytes held by the rows and the current forest. */
  get byteSize(): number {
    return this.rows.byteLength + (this.forest?.byteSize ?? 0);
  }

  /**
   * The forest's score of this check's phases (about 0.5 or below for ordinary checks, towards 1
   * for checks that isolate quickly; NaN while there are too few rows); then learns them.
   */
  update(phases: PhaseTimings): number {
    const row = PHASES.map((phase) => phases[phase]);
    if (!row.every(Number.isFinite)) return Number.NaN;
    let score = Number.NaN;
    if (this.count >= this.options.minRows) {
      if (this.forest === null || this.sinceFit >= this.options.refitEvery) {
        this.forest = IsolationForestModel.train(
          this.storedRows(),
          { treeCount: this.options.treeCount, subsampleSize: this.options.subsampleSize },
          this.random,
        );
        this.sinceFit = 0;
      }
      this.sinceFit++;
      score = this.forest.score(row);
    }
    this.rows.set(row, this.next * PHASES.length);
    this.next = (this.next + 1) % this.options.window;
    this.count = Math.min(this.count + 1, this.options.window);
    return score;
  }

  /** The phase whose share of the total is furthest above its median share over the stored rows. */
  unusualPhase(phases: PhaseTimings): UnusualPhase {
    let unusual: UnusualPhase = { phase: 'firstByte', factor: 0 };
    for (const phase of PHASES) {
      const factor = this.shareFactor(phases, phase);
      if (factor > unusual.factor) unusual = { phase, factor };
    }
    return unusual;
  }

  /** `phase`'s share of this check's total over its median share in the stored rows. */
  shareFactor(phases: PhaseTimings, phase: Phase): number {
    const total = PHASES.reduce((sum, p) => sum + phases[p], 0);
    const column = PHASES.indexOf(phase);
    const shares = new Float64Array(this.count);
    for (let r = 0; r < this.count; r++) {
      let rowTotal = 0;
      for (let c = 0; c < PHASES.length; c++) rowTotal += this.rows[r * PHASES.length + c]!;
      shares[r] = rowTotal > 0 ? this.rows[r * PHASES.length + column]! / rowTotal : 0;
    }
    shares.sort();
    const usual = this.count > 0 ? shares[this.count >> 1]! : 0;
    // A phase that is usually about 0 (a cached DNS lookup) counts from a floor of 1 % of the total.
    return (total > 0 ? phases[phase] / total : 0) / Math.max(usual, 0.01);
  }

  reset(): void {
    this.random = createSeededRandom(this.options.seed);
    this.forest = null;
    this.count = this.next = this.sinceFit = 0;
  }

  private storedRows(): number[][] {
    return Array.from({ length: this.count }, (_, r) => Array.from(this.rows.subarray(r * PHASES.length, (r + 1) * PHASES.length)));
  }
}
