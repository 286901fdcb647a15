/**
 * A window-based score in the spirit of the Numenta Anomaly Benchmark's standard profile:
 *  - each labelled window is worth A_TP times scaledSigmoid(y) for its FIRST detection, where y is
 *    the detection's position relative to the window's end (-1 at the start, 0 at the end), so an
 *    early detection earns about 0.99 and one at the very end about 0; later detections in the same
 *    window earn nothing and cost nothing;
 *  - a window with no detection costs A_FN;
 *  - a detection outside every window costs A_FP, scaled by the same sigmoid of its distance after
 *    the preceding window (a detection just after a window costs little, one far from any costs
 *    the full A_FP);
 *  - detections during the probationary period (the first 15 % of each series) are not counted.
 * The raw total is normalised so that never alerting scores 0 and detecting every window at its
 * first check scores 100: 100 * (raw - rawNull) / (rawPerfect - rawNull).
 */
import type { LabelledSeries } from './evaluationSet';

export const WEIGHTS = { truePositive: 1, falsePositive: 0.11, falseNegative: 1 } as const;

export const METRIC_DEFINITION = [
  'Metric (NAB-style, standard profile): per labelled window, the first detection inside it earns',
  `  ${WEIGHTS.truePositive} x s(y), s(y) = 2/(1+e^(5y)) - 1, y = (t - windowEnd)/windowLength in [-1, 0]: early ~ 0.99, at the end ~ 0;`,
  '  further detections in the window count neither way; a window without detection costs',
  `  ${WEIGHTS.falseNegative}; a detection outside every window costs ${WEIGHTS.falsePositive} x (-s(y)) with y measured after the preceding`,
  `  window (full ${WEIGHTS.falsePositive} when none precedes); the first 15 % of each series is probation and not counted.`,
  '  Score = 100 x (raw - raw(never alert)) / (raw(perfect) - raw(never alert)): never alert = 0, perfect = 100.',
].join('\n');

function scaledSigmoid(y: number): number {
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

export interface SeriesOutcome {
  raw: number;
  perfect: number;
  nullRaw: number;
  detectedWindows: number;
  windows: number;
  falsePositives: number;
  /** Detections counted (outside probation). */
  flags: number;
  /** Checks counted (outside probation). */
  checks: number;
}

/** `flags[i]` says whether check i was flagged. */
export function scoreSeries(series: LabelledSeries, flags: readonly boolean[]): SeriesOutcome {
  const { times, windows, probation } = series;
  const detected = new Array<boolean>(windows.length).fill(false);
  let raw = 0;
  let falsePositives = 0;
  let counted = 0;
  for (let i = probation; i < times.length; i++) {
    if (!flags[i]) continue;
    counted++;
    const time = times[i]!;
    const inside = windows.findIndex((w) => time >= w.start && time <= w.end);
    if (inside >= 0) {
      if (detected[inside]) continue;
      detected[inside] = true;
      const window = windows[inside]!;
      const length = Math.max(1, window.end - window.start);
      raw += WEIGHTS.truePositive * scaledSigmoid((time - window.end) / length);
      continue;
    }
    falsePositives++;
    let preceding: (typeof windows)[number] | undefined;
    for (const w of windows) if (w.end < time && (!preceding || w.end > preceding.end)) preceding = w;
    if (preceding) {
      const length = Math.max(1, preceding.end - preceding.start);
      raw += WEIGHTS.falsePositive * scaledSigmoid((time - preceding.end) / length);
    } else {
      raw -= WEIGHTS.falsePositive;
    }
  }
  for (const hit of detected) if (!hit) raw -= WEIGHTS.falseNegative;
  const perfect = windows.length * WEIGHTS.truePositive * scaledSigmoid(-1);
  return {
    raw,
    perfect,
    nullRaw: -WEIGHTS.falseNegative * windows.length,
    detectedWindows: detected.filter(Boolean).length,
    windows: windows.length,
    falsePositives,
    flags: counted,
    checks: times.length - probation,
  };
}

export interface SetOutcome {
  score: number;
  detectedWindows: number;
  windows: number;
  falsePositives: number;
  flagsPerThousand: number;
}

export function combine(outcomes: readonly SeriesOutcome[]): SetOutcome {
  const sum = (pick: (o: SeriesOutcome) => number) => outcomes.reduce((total, o) => total + pick(o), 0);
  const raw = sum((o) => o.raw);
  const perfect = sum((o) => o.perfect);
  const nullRaw = sum((o) => o.nullRaw);
  return {
    score: (100 * (raw - nullRaw)) / (perfect - nullRaw),
    detectedWindows: sum((o) => o.detectedWindows),
    windows: sum((o) => o.windows),
    falsePositives: sum((o) => o.falsePositives),
    flagsPerThousand: (1000 * sum((o) => o.flags)) / sum((o) => o.checks),
  };
}
