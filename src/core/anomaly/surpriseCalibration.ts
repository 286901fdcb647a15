/**
 * Keeps a surprise honest on this target: a Gaussian surprise s claims that checks this odd come
 * once in 10^s. Response times and many real metrics have heavier tails than a Gaussian, and then
 * such checks come far more often. The calibrated tail probability blends the claim with what this
 * target's own history shows:
 *
 *   p = (k + priorWeight x 10^-s) / (n + priorWeight)
 *
 * where k of the last n surprises reached s. A new target (n small) keeps the Gaussian claim; a
 * long-watched target whose blips reach s every few hundred checks is believed over the claim.
 */
export interface SurpriseCalibrationOptions {
  /** Past surprises kept. */
  historySize: number;
  /** Weight of the Gaussian claim, in checks. */
  priorWeight: number;
}

/**
 * Surprises are kept in thousandths in 16 bits: half the memory of single precision (a detector
 * keeps one history per channel), and finer than any threshold needs. Surprises beyond 65.5 are
 * kept as 65.5; the score reaches 1 long before.
 */
const STEPS_PER_UNIT = 1000;
const LARGEST_STORED = 0xffff;

function stored(surprise: number): number {
  return Math.min(LARGEST_STORED, Math.floor(surprise * STEPS_PER_UNIT));
}

export class SurpriseCalibration {
  private readonly history: Uint16Array;
  private next = 0;
  private count = 0;

  constructor(private readonly options: SurpriseCalibrationOptions) {
    if (!(Number.isInteger(options.historySize) && options.historySize >= 1 && options.priorWeight > 0)) {
      throw new Error('Surprise calibration options out of range: historySize a whole number >= 1, priorWeight > 0.');
    }
    this.history = new Uint16Array(options.historySize);
  }

  get byteSize(): number {
    return this.history.byteLength;
  }

  /** The calibrated surprise of `surprise` against the history before it; then remembers it. */
  update(surprise: number): number {
    let reached = 0;
    // Compare as stored, so a surprise equal to a stored one counts as reaching it.
    const level = stored(Math.max(0, surprise));
    for (let i = 0; i < this.count; i++) if (this.history[i]! >= level) reached++;
    const prior = this.options.priorWeight;
    const probability = (reached + prior * 10 ** -surprise) / (this.count + prior);
    this.history[this.next] = level;
    this.next = (this.next + 1) % this.history.length;
    this.count = Math.min(this.count + 1, this.history.length);
    return surprise > 0 ? Math.min(surprise, -Math.log10(probability)) : 0;
  }

  reset(): void {
    this.next = this.count = 0;
  }
}
