/**
 * The baselines the detector is measured against, each returning one flag per check:
 *  - never alert;
 *  - a rolling z-score (mean and standard deviation of the last 100 valid checks, |z| >= 3);
 *  - the seed: an isolation forest (ml-isolation-forest) refitted on every value seen so far,
 *    flagging the newest check when its score is in the top 5 % of the scores of all values so far
 *    (contamination 0.05), with failed checks fed in as 0 ms.
 */
import { IsolationForest } from 'ml-isolation-forest';
import { IsolationForestModel } from './isolationForestModel';
import { createSeededRandom } from '../../src/core/anomaly/seededRandom';

export function neverAlert(values: readonly (number | null)[]): boolean[] {
  return values.map(() => false);
}

export function rollingZScore(values: readonly (number | null)[], window = 100, limit = 3): boolean[] {
  const history: number[] = [];
  return values.map((value) => {
    if (value === null) return false;
    let flagged = false;
    if (history.length >= 30) {
      const mean = history.reduce((a, b) => a + b, 0) / history.length;
      const deviation = Math.sqrt(history.reduce((a, b) => a + (b - mean) ** 2, 0) / history.length);
      flagged = deviation > 0 && Math.abs(value - mean) / deviation >= limit;
    }
    history.push(value);
    if (history.length > window) history.shift();
    return flagged;
  });
}

export interface SeedOptions {
  /** The seed refitted at every check; refitting every few checks keeps the bench short. */
  refitEvery: number;
  trees: number;
  contamination: number;
}

export function seedRefitForest(values: readonly (number | null)[], options: SeedOptions, seed = 1): boolean[] {
  const random = createSeededRandom(seed);
  const seen: number[][] = [];
  let forest: IsolationForest | null = null;
  let cutoff = Infinity;
  return values.map((value, i) => {
    seen.push([value ?? 0]);
    if (seen.length < 20) return false;
    if (forest === null || i % options.refitEvery === 0) {
      forest = new IsolationForest({ nEstimators: options.trees });
      const original = Math.random;
      Math.random = random;
      try {
        forest.train(seen.slice());
      } finally {
        Math.random = original;
      }
      const scores = forest.predict(seen).sort((a, b) => a - b);
      cutoff = scores[Math.floor((1 - options.contamination) * (scores.length - 1))]!;
    }
    return forest.predict([[value ?? 0]])[0]! >= cutoff;
  });
}

/**
 * Rolling-window Gaussian z-score as a score: |value - mean| / standard deviation over the last
 * `window` valid checks (0 until `minHistory` are in), so a threshold can be chosen afterwards.
 */
export function rollingZScores(values: readonly (number | null)[], window = 100, minHistory = 10): number[] {
  const history: number[] = [];
  return values.map((value) => {
    if (value === null) return 0;
    let score = 0;
    if (history.length >= minHistory) {
      const mean = history.reduce((a, b) => a + b, 0) / history.length;
      const deviation = Math.sqrt(history.reduce((a, b) => a + (b - mean) ** 2, 0) / history.length);
      score = deviation > 0 ? Math.abs(value - mean) / deviation : value === mean ? 0 : Infinity;
    }
    history.push(value);
    if (history.length > window) history.shift();
    return score;
  });
}

/**
 * An isolation forest's percentile rank: a forest (ml-isolation-forest, through the product's
 * IsolationForestModel) grown on the last `window` valid values and regrown every `refitEvery`
 * checks; the score of a check is the fraction of the recent checks' forest scores below its own.
 */
export function forestPercentileScores(values: readonly (number | null)[], seed = 1, window = 256, refitEvery = 16, minHistory = 10): number[] {
  const random = createSeededRandom(seed);
  const history: number[] = [];
  const pastScores: number[] = [];
  let forest: IsolationForestModel | null = null;
  let sinceFit = Infinity;
  return values.map((value) => {
    if (value === null) return 0;
    let rank = 0;
    if (history.length >= minHistory) {
      if (forest === null || sinceFit >= refitEvery) {
        forest = IsolationForestModel.train(history.map((v) => [v]), { treeCount: 50, subsampleSize: 128 }, random);
        sinceFit = 0;
      }
      sinceFit++;
      const score = forest.score(Float64Array.of(value));
      rank = pastScores.length === 0 ? 0 : pastScores.filter((s) => s < score).length / pastScores.length;
      pastScores.push(score);
      if (pastScores.length > window) pastScores.shift();
    }
    history.push(value);
    if (history.length > window) history.shift();
    return rank;
  });
}
