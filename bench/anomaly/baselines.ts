/**
 * The plain baselines the detector is measured against, each returning one score per check so a
 * threshold can be chosen afterwards (the bench reports a conventional one and each set's best):
 *  - never alert;
 *  - a rolling-window Gaussian z-score (|z| against the mean and standard deviation of the last
 *    100 valid checks);
 *  - an isolation forest's percentile rank (ml-isolation-forest, grown on the recent checks).
 * Failed checks (null) score 0 in all of them, as in the detector.
 */
import { IsolationForestModel } from '../../src/core/anomaly/isolationForestModel';
import { createSeededRandom } from '../../src/core/anomaly/seededRandom';

export function neverAlert(values: readonly (number | null)[]): boolean[] {
  return values.map(() => false);
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
 * An isolation forest's percentile rank: a forest (ml-isolation-forest, through
 * IsolationForestModel) grown on the last `window` valid checks, each described by its value and
 * its change from the previous valid check, and regrown every `refitEvery` checks; the score of a
 * check is the fraction of the last `rankHistory` checks' forest scores below its own. (Of the
 * variants tried on the real-world tuning half, value alone, a shorter window, ranks against the
 * window only, this one scored best.)
 */
export function forestPercentileScores(
  values: readonly (number | null)[],
  seed = 1,
  window = 256,
  refitEvery = 16,
  minHistory = 10,
  rankHistory = 1000,
): number[] {
  const random = createSeededRandom(seed);
  const rows: number[][] = [];
  const pastScores: number[] = [];
  let forest: IsolationForestModel | null = null;
  let sinceFit = Infinity;
  let previous = Number.NaN;
  return values.map((value) => {
    if (value === null) return 0;
    const row = [value, Number.isNaN(previous) ? 0 : value - previous];
    previous = value;
    let rank = 0;
    if (rows.length >= minHistory) {
      if (forest === null || sinceFit >= refitEvery) {
        forest = IsolationForestModel.train(rows, { treeCount: 50, subsampleSize: 128 }, random);
        sinceFit = 0;
      }
      sinceFit++;
      const score = forest.score(row);
      rank = pastScores.length === 0 ? 0 : pastScores.filter((s) => s < score).length / pastScores.length;
      pastScores.push(score);
      if (pastScores.length > rankHistory) pastScores.shift();
    }
    rows.push(row);
    if (rows.length > window) rows.shift();
    return rank;
  });
}
