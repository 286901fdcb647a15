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

export class SurpriseCalibration {
  private readonly history: Float32Array;
  private next = 0;
  private count = 0;

  constructor(private readonly options: SurpriseCalibrationOptions) {
    if (!(Number.isInteger(options.historySize) && options.historySize >= 1 && options.priorWeight > 0)) {
      throw new Error('Surprise calibration options out of range: historySize a whole number >= 1, priorWeight > 0.');
    }
    this.history = new Float32Array(options.historySize);
  }

  get byteSize(): number {
    return this.history.byteLength;
  }

  /** The calibrated surprise of `surprise` against the history before it; then remembers it. */
  update(surprise: number): number {
    let reached = 0;
    // Compare as stored (single precision), so a surprise equal to a stored one counts as reaching it.
    const stored = Math.fround(surprise);
    for (let i = 0; i < this.count; i++) if (this.history[i]! >= stored) reached++;
    const prior = this.options.priorWeight;
    const probability = (reached + prior * 10 ** -surprise) / (this.count + prior);
    this.history[this.next] = surprise;
    this.next = (this.next + 1) % this.history.length;
    this.count = Math.min(this.count + 1, this.history.length);
    return surprise > 0 ? Math.min(surprise, -Math.log10(probability)) : 0;
  }

  reset(): void {
    this.next = this.count = 0;
  }
}
