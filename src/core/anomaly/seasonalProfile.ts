/**
 * A daily rhythm learned online: the usual offset of each time of day (UTC) from a slow level, in
 * `buckets` slots with linear interpolation between slot centres, so the evening peak is expected
 * at its hour and a value ordinary at the peak is unusual at night.
 *
 * It is applied only once it is real: after `minDays` days, and only while it predicts the value
 * out of sample clearly better than the level alone (mean absolute error at most `requiredGain`
 * times that of the level, over the last couple of days). A series without a rhythm keeps it off,
 * so the profile's own noise never leaks into the scores.
 *
 * Learning is robust: each update is clipped to `clip` times how far values usually stray from the
 * level (the rhythm included, never less than the caller's noise scale), so an outage or a spike
 * barely moves the profile, and the slow level (time constant `levelDays`) moves by clipped steps
 * as well (a Huber-type location estimate).
 */
export interface SeasonalProfileOptions {
  /** Slots per day. */
  buckets: number;
  /** Days of history before the profile may be applied. */
  minDays: number;
  /** Memory of each slot, in days of its own visits. */
  memoryDays: number;
  /** Time constant of the slow level the profile is learned against. */
  levelDays: number;
  /** Largest update, in units of how far values usually stray from the level. */
  clip: number;
  /** Applied while its error is at most this fraction of the error without it. */
  requiredGain: number;
}

const DAY_MS = 86_400_000;
/** Time constant of the error comparison that switches the profile on and off. */
const GATE_DAYS = 2;
/** Switching off needs a clearly worse error than switching on, and a day must pass between switches, so the profile does not flap. */
const GATE_HYSTERESIS = 0.2;
const GATE_HOLD_MS = DAY_MS;

export class SeasonalProfile {
  private readonly profile: Float64Array;
  private readonly visits: Float64Array;
  private readonly bucketMs: number;
  private visitedBuckets = 0;
  private profileSum = 0;
  private level = 0;
  private levelVisits = 0;
  private firstTime = Number.NaN;
  private lastTime = Number.NaN;
  private errorWith = 0;
  private errorWithout = 0;
  /** The caller's noise scale, summed with the same decay as the errors. */
  private noise = 0;
  /** Decayed sum and weight of |value - level|: how far values usually stray, the rhythm included. */
  private deviationSum = 0;
  private deviationWeight = 0;
  private applied = false;
  private switchedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SeasonalProfileOptions) {
    if (!Number.isInteger(options.buckets) || options.buckets < 4 || DAY_MS % options.buckets !== 0) {
      throw new Error('A seasonal profile needs a whole number of slots (at least 4) that divides a day into whole milliseconds.');
    }
    this.profile = new Float64Array(options.buckets);
    this.visits = new Float64Array(options.buckets);
    this.bucketMs = DAY_MS / options.buckets;
  }

  /** Whether the profile is learned and worth applying. */
  get active(): boolean {
    return this.applied;
  }

  get byteSize(): number {
    return this.profile.byteLength + this.visits.byteLength;
  }

  /** Days between the first and the latest time seen. */
  get daysSeen(): number {
    return Number.isNaN(this.firstTime) ? 0 : (this.lastTime - this.firstTime) / DAY_MS;
  }

  /** The usual offset at `time` from the day's mean (0 when nothing is learned). */
  offsetAt(time: number): number {
    if (this.visitedBuckets === 0 || !Number.isFinite(time)) return 0;
    return this.interpolate(time) - this.profileSum / this.visitedBuckets;
  }

  /** Learns one transformed value `y` at `time`; `scale` is the caller's current noise scale. */
  observe(time: number, y: number, scale: number): void {
    if (!Number.isFinite(time)) return;
    if (Number.isNaN(this.firstTime)) {
      this.firstTime = this.lastTime = time;
      this.level = y;
    }
    const elapsed = Math.max(0, time - this.lastTime);
    this.lastTime = Math.max(this.lastTime, time);
    const days = Math.max(1, this.daysSeen);
    const expected = this.interpolate(time);
    const mean = this.visitedBuckets === 0 ? 0 : this.profileSum / this.visitedBuckets;
    const decay = Math.exp(-elapsed / (GATE_DAYS * DAY_MS));
    // Updates are clipped relative to how far values usually stray from the level (the rhythm
    // included), not to the short-term noise alone, or a large rhythm would take weeks to learn.
    const deviation = Math.abs(y - this.level - mean);
    this.deviationSum = this.deviationSum * decay + deviation;
    this.deviationWeight = this.deviationWeight * decay + 1;
    const typical = Math.max(scale, this.deviationSum / this.deviationWeight);
    const limit = this.options.clip * typical;

    if (this.daysSeen >= 1) {
      // Out of sample: the profile was learned on earlier days only.
      const cap = 10 * typical;
      this.errorWith = this.errorWith * decay + Math.min(cap, Math.abs(y - this.level - expected));
      this.errorWithout = this.errorWithout * decay + Math.min(cap, deviation);
      this.noise = this.noise * decay + scale;
      const ratio = this.errorWith / Math.max(this.errorWithout, Number.MIN_VALUE);
      // A series that barely moves (constant, or steps of its resolution) has no rhythm worth applying.
      const wanted = this.daysSeen >= this.options.minDays && this.errorWithout > this.noise
        && (this.applied ? ratio <= this.options.requiredGain + GATE_HYSTERESIS : ratio <= this.options.requiredGain);
      if (wanted !== this.applied && time - this.switchedAt >= GATE_HOLD_MS) {
        this.applied = wanted;
        this.switchedAt = time;
      }
    }

    // The slow level follows the value with the rhythm taken out.
    this.levelVisits++;
    const levelRate = Math.max(1 / this.levelVisits, 1 - Math.exp(-elapsed / (this.options.levelDays * DAY_MS)));
    this.level += levelRate * clamp(y - expected - this.level, limit);

    // Each slot moves towards the value's offset from the level, shared by interpolation weight.
    const error = clamp(y - this.level - expected, limit);
    const [low, high, fraction] = this.slots(time);
    this.learnSlot(low, 1 - fraction, error, days);
    this.learnSlot(high, fraction, error, days);
  }

  reset(): void {
    this.profile.fill(0);
    this.visits.fill(0);
    this.visitedBuckets = 0;
    this.profileSum = 0;
    this.level = 0;
    this.levelVisits = 0;
    this.firstTime = this.lastTime = Number.NaN;
    this.errorWith = this.errorWithout = this.noise = this.deviationSum = this.deviationWeight = 0;
    this.applied = false;
    this.switchedAt = Number.NEGATIVE_INFINITY;
  }

  private learnSlot(slot: number, weight: number, error: number, days: number): void {
    if (weight <= 0) return;
    const visits = this.visits[slot]!;
    if (visits === 0) this.visitedBuckets++;
    const total = visits + weight;
    this.visits[slot] = total;
    // The mean of all visits at first, then a memory of about `memoryDays` days of visits.
    const rate = Math.min(1, weight * Math.max(1 / total, days / (this.options.memoryDays * total)));
    const step = rate * error;
    this.profile[slot] = this.profile[slot]! + step;
    this.profileSum += step;
  }

  private interpolate(time: number): number {
    const [low, high, fraction] = this.slots(time);
    return (1 - fraction) * this.profile[low]! + fraction * this.profile[high]!;
  }

  /** The two slots whose centres surround `time`, and the weight of the second. */
  private slots(time: number): [number, number, number] {
    const position = (((time % DAY_MS) + DAY_MS) % DAY_MS) / this.bucketMs - 0.5;
    const floor = Math.floor(position);
    const buckets = this.options.buckets;
    return [(floor + buckets) % buckets, (floor + 1) % buckets, position - floor];
  }
}

function clamp(value: number, limit: number): number {
  return value > limit ? limit : value < -limit ? -limit : value;
}
