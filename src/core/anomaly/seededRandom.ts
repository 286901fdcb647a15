/**
 * A small seeded pseudo-random generator, so a detector's forest (and every test and bench that
 * builds one) is reproducible. Not for anything security-related.
 */

/** Returns numbers in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

/** mulberry32: 32 bits of state, fast, and good enough for choosing split points and subsamples. */
export function createSeededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable 32-bit seed from a string (a target id), so each target's forest differs but repeats. */
export function seedFromText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
