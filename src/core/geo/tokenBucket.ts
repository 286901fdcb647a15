/** Allows bursts of up to `capacity` actions, refilled continuously at `refillPerMinute`. */
export class TokenBucket {
  private tokens: number;
  private lastRefill: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(capacity >= 1) || !(refillPerMinute > 0)) {
      throw new RangeError(
        `A token bucket needs a capacity of at least 1 and a positive refill rate (got ${capacity}, ${refillPerMinute}).`,
      );
    }
    this.tokens = capacity;
    this.lastRefill = now();
  }

  /** Takes one token if there is one. */
  tryTake(): boolean {
    const now = this.now();
    // Math.max: a clock that steps back must not drain the bucket.
    const elapsed = Math.max(0, now - this.lastRefill);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.refillPerMinute) / 60_000);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
