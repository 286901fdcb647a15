/**
 * The last `capacity` values in arrival order and in sorted order, so the median and the MAD of a
 * sliding window cost O(capacity) per step with no allocation.
 */
export type WindowPrecision = 'double' | 'single';

export class RollingWindow {
  private readonly ring: Float64Array | Float32Array;
  private readonly sorted: Float64Array | Float32Array;
  /** Only windows whose MAD is asked for need it. */
  private scratch: Float64Array | undefined;
  private next = 0;
  private count = 0;

  /**
   * `single` precision halves the memory, for windows whose values only need a few significant
   * digits (calibration histories); values are then rounded to 32-bit floats as they are pushed.
   */
  constructor(readonly capacity: number, precision: WindowPrecision = 'double') {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`A rolling window needs a whole capacity of at least 1 (got ${capacity}).`);
    this.ring = precision === 'single' ? new Float32Array(capacity) : new Float64Array(capacity);
    this.sorted = precision === 'single' ? new Float32Array(capacity) : new Float64Array(capacity);
  }

  /** Bytes held by the window's arrays. */
  get byteSize(): number {
    return this.ring.byteLength + this.sorted.byteLength + (this.scratch?.byteLength ?? 0);
  }

  get size(): number {
    return this.count;
  }

  push(pushed: number): void {
    // Rounded first, so the sorted copy and the ring hold exactly the same numbers.
    const value = this.ring instanceof Float32Array ? Math.fround(pushed) : pushed;
    if (this.count === this.capacity) {
      this.removeSorted(this.ring[this.next]!);
    } else {
      this.count++;
    }
    this.ring[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    this.insertSorted(value);
  }

  /** The value pushed `age` steps ago (0 is the newest). */
  recent(age: number): number {
    if (age >= this.count) throw new RangeError(`The window holds ${this.count} values; there is none ${age} steps back.`);
    return this.ring[(this.next - 1 - age + 2 * this.capacity) % this.capacity]!;
  }

  median(): number {
    return medianOfSorted(this.sorted, this.count);
  }

  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const position = q * (this.count - 1);
    const low = Math.floor(position);
    const high = Math.min(this.count - 1, low + 1);
    return this.sorted[low]! + (this.sorted[high]! - this.sorted[low]!) * (position - low);
  }

  /** Mean of (value - threshold) over the values above `threshold` (0 when there are none). */
  meanAbove(threshold: number): number {
    let total = 0;
    let count = 0;
    for (let i = this.count - 1; i >= 0 && this.sorted[i]! > threshold; i--) {
      total += this.sorted[i]! - threshold;
      count++;
    }
    return count === 0 ? 0 : total / count;
  }

  /** Median absolute deviation from `center`. */
  mad(center: number): number {
    if (this.count === 0) return Number.NaN;
    this.scratch ??= new Float64Array(this.capacity);
    const scratch = this.scratch;
    // |x - center| over sorted x is V-shaped; merging its two monotone halves yields it sorted.
    let split = lowerBound(this.sorted, this.count, center);
    let left = split - 1;
    let out = 0;
    const target = this.count >> 1;
    while (out <= target) {
      const fromLeft = left >= 0 ? center - this.sorted[left]! : Infinity;
      const fromRight = split < this.count ? this.sorted[split]! - center : Infinity;
      if (fromLeft <= fromRight) {
        scratch[out++] = fromLeft;
        left--;
      } else {
        scratch[out++] = fromRight;
        split++;
      }
    }
    return this.count % 2 === 1 ? scratch[target]! : (scratch[target - 1]! + scratch[target]!) / 2;
  }

  /** Mean absolute difference between consecutive values: a scale that ignores a slow level change. */
  meanAbsoluteStep(): number {
    if (this.count < 2) return 0;
    let total = 0;
    for (let age = 0; age < this.count - 1; age++) total += Math.abs(this.recent(age) - this.recent(age + 1));
    return total / (this.count - 1);
  }

  clear(): void {
    this.count = 0;
    this.next = 0;
  }

  private insertSorted(value: number): void {
    const at = lowerBound(this.sorted, this.count - 1, value);
    this.sorted.copyWithin(at + 1, at, this.count - 1);
    this.sorted[at] = value;
  }

  private removeSorted(value: number): void {
    const at = lowerBound(this.sorted, this.count, value);
    this.sorted.copyWithin(at, at + 1, this.count);
  }
}

function lowerBound(sorted: Float64Array | Float32Array, length: number, value: number): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

function medianOfSorted(sorted: Float64Array | Float32Array, length: number): number {
  if (length === 0) return Number.NaN;
  const mid = length >> 1;
  return length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
