/**
 * Scoring a detector on the labelled sets: scores per series are computed once, flags come from a
 * threshold afterwards, and outcomes are combined per half (tuning = even seeds, held-out = odd
 * seeds) and per set.
 */
import { AnomalyDetector, type AnomalyDetectorSettings } from '../../src/core/anomaly/anomalyDetector';
import type { LabelledSeries } from './evaluationSet';
import { combine, scoreSeries, type SetOutcome } from './windowMetric';

export type Scorer = (series: LabelledSeries) => number[];
export type Flagger = (series: LabelledSeries) => boolean[];

export function isHeldOut(series: LabelledSeries): boolean {
  return series.seed % 2 === 1;
}

/** The detector as the engine drives it: one per series, phases passed when the series has them. */
export function detectorScorer(settings: AnomalyDetectorSettings, withPhases = true): Scorer {
  return (series) => {
    const detector = new AnomalyDetector(settings);
    return series.values.map((value, i) =>
      detector.score({ time: series.times[i]!, value, phases: withPhases ? series.phases?.[i] : undefined }),
    );
  };
}

export type ScoreTable = Map<LabelledSeries, number[]>;

export function scoreAll(series: readonly LabelledSeries[], scorer: Scorer): ScoreTable {
  return new Map(series.map((s) => [s, scorer(s)]));
}

export function atThreshold(scores: ScoreTable, limit: number): Flagger {
  return (series) => scores.get(series)!.map((score) => score >= limit);
}

export interface Evaluation {
  tuning: SetOutcome;
  heldOut: SetOutcome;
  all: SetOutcome;
}

export function evaluate(series: readonly LabelledSeries[], flagger: Flagger): Evaluation {
  const outcomes = new Map(series.map((s) => [s, scoreSeries(s, flagger(s))]));
  const part = (subset: readonly LabelledSeries[]) => combine(subset.map((s) => outcomes.get(s)!));
  return { tuning: part(series.filter((s) => !isHeldOut(s))), heldOut: part(series.filter(isHeldOut)), all: part(series) };
}

/** Windows found by kind, as "kind found/total". */
export function windowsByKind(series: readonly LabelledSeries[], flagger: Flagger): Map<string, { found: number; total: number }> {
  const byKind = new Map<string, { found: number; total: number }>();
  for (const s of series) {
    const flags = flagger(s);
    for (const window of s.windows) {
      const entry = byKind.get(window.kind) ?? { found: 0, total: 0 };
      entry.total++;
      if (s.times.some((t, i) => i >= s.probation && flags[i] && t >= window.start && t <= window.end)) entry.found++;
      byKind.set(window.kind, entry);
    }
  }
  return byKind;
}

/** The threshold that scores best on `series` (NAB's optimised threshold), over 200 candidates spread by quantile. */
export function bestThreshold(series: readonly LabelledSeries[], scores: ScoreTable): { limit: number; score: number } {
  const all = series.flatMap((s) => scores.get(s)!.filter((x) => x > 0)).sort((a, b) => a - b);
  let best = { limit: Infinity, score: 0 };
  if (all.length === 0) return best;
  const candidates = new Set<number>();
  for (let i = 0; i < 200; i++) candidates.add(all[Math.min(all.length - 1, Math.floor(all.length * (1 - 0.5 ** (i / 20))))]!);
  for (const limit of candidates) {
    const score = combine(series.map((s) => scoreSeries(s, atThreshold(scores, limit)(s)))).score;
    if (score > best.score) best = { limit, score };
  }
  return best;
}
