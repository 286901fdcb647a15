/**
 * Scores the detector on the recorded phase-fault set (phaseFaultSet.ts), whole and without each
 * half of its phase channel (the isolation forest, the phase shares): for each faulty phase, whether the fault's span is flagged at the shipped
 * threshold, how many checks after its start, the false alarms outside it, the NAB-style score,
 * and how often the phase the detector names (`lastUnusualPhase`) is the faulty one.
 */
import {
  AnomalyDetector,
  DEFAULT_ANOMALY_DETECTOR_OPTIONS,
  DEFAULT_ANOMALY_THRESHOLD,
  type AnomalyDetectorSettings,
} from '../../src/core/anomaly/anomalyDetector';
import { PhaseForest } from '../../src/core/anomaly/phaseForest';
import { loadPhaseFaultSet, PHASE_FAULT_PLAN, type PhaseFaultSeries } from './phaseFaultSet';
import { scoreSeries } from './windowMetric';

interface FaultOutcome {
  /** Checks from the fault's start to the first flag inside its span; null when none. */
  delay: number | null;
  falseAlarms: number;
  score: number;
  /** Flagged checks inside the span that named a phase, and how many named the faulty one. */
  named: number;
  namedRight: number;
  /** The phase named at the first flag inside the span. */
  firstNamed: string;
}

function scoreFault(series: PhaseFaultSeries, settings: AnomalyDetectorSettings): FaultOutcome {
  const detector = new AnomalyDetector(settings);
  const flags: boolean[] = [];
  const outcome: FaultOutcome = { delay: null, falseAlarms: 0, score: 0, named: 0, namedRight: 0, firstNamed: '-' };
  series.values.forEach((value, i) => {
    const flagged = detector.score({ time: series.times[i]!, value, phases: series.phases[i] }) >= DEFAULT_ANOMALY_THRESHOLD;
    flags.push(flagged);
    if (!flagged || i < series.probation) return;
    if (!series.faulty[i]) {
      outcome.falseAlarms++;
      return;
    }
    const unusual = detector.lastUnusualPhase();
    if (outcome.delay === null) {
      outcome.delay = i - PHASE_FAULT_PLAN.faultFrom;
      outcome.firstNamed = unusual?.phase ?? 'none';
    }
    if (unusual) {
      outcome.named++;
      if (unusual.phase === series.fault) outcome.namedRight++;
    }
  });
  const result = scoreSeries(series, flags);
  outcome.score = (100 * (result.raw - result.nullRaw)) / (result.perfect - result.nullRaw);
  return outcome;
}

/**
 * How often the detector's naming rule (the phase whose share stands out most against its median
 * share over the forest's window) names the faulty phase when asked on every faulty check, flagged
 * or not: whether a wrong or missing name comes from the rule or from the flags.
 */
function namingRule(series: PhaseFaultSeries): { right: number; asked: number } {
  // The rule reads only the stored rows, so only the window matters; the forest's own options are the detector's.
  const o = DEFAULT_ANOMALY_DETECTOR_OPTIONS;
  const forest = new PhaseForest({
    window: o.phaseWindow,
    subsampleSize: 256,
    treeCount: o.phaseTrees,
    refitEvery: o.phaseRefitEvery,
    minRows: o.likelihoodMinHistory * 4,
    seed: o.seed,
  });
  let right = 0;
  let asked = 0;
  series.phases.forEach((phases, i) => {
    if (series.faulty[i]) {
      asked++;
      if (forest.unusualPhase(phases).phase === series.fault) right++;
    }
    forest.update(phases);
  });
  return { right, asked };
}

/** Prints the table (the anomaly bench calls it; run this file alone for just this set). */
export function printPhaseFaultReport(): void {
  const set = loadPhaseFaultSet();
  const { checks, faultFrom, faultTo } = PHASE_FAULT_PLAN;
  console.log(
    `Recorded phase faults (bench/anomaly/phaseFaults: the product's prober against loopback DNS + HTTPS services, ${checks} checks`,
  );
  console.log(
    `a fault, checks ${faultFrom}-${faultTo - 1} slow one phase by 12 ms while the server's own time drops as much, so the total stays level;`,
  );
  console.log('shipped threshold; "found" = checks from the fault\'s start to its first flag; "named" = flagged checks in the span naming');
  console.log('the faulty phase / naming any phase; FP = flags outside the span after probation; "rule" = the naming rule asked on');
  console.log('every faulty check, flagged or not):');
  const widths = [10, 10, 4, 7, 10, 7, 10, 7, 12, 12, 8];
  const header = ['fault', 'detector', 'FP', 'score', 'no forest', 'score', 'no shares', 'score', 'named right', 'first named', 'rule'];
  console.log(header.map((cell, i) => cell.padStart(widths[i]!)).join(' '));
  let foundWith = 0;
  let foundWithoutForest = 0;
  let foundWithoutShares = 0;
  let named = 0;
  let namedRight = 0;
  let firstRight = 0;
  for (const series of set) {
    const withForest = scoreFault(series, {});
    const withoutForest = scoreFault(series, { components: { phaseForest: false } });
    const withoutShares = scoreFault(series, { components: { phaseShares: false } });
    const found = (o: FaultOutcome) => (o.delay === null ? 'missed' : `after ${o.delay}`);
    if (withForest.delay !== null) foundWith++;
    if (withoutForest.delay !== null) foundWithoutForest++;
    if (withoutShares.delay !== null) foundWithoutShares++;
    named += withForest.named;
    namedRight += withForest.namedRight;
    if (withForest.firstNamed === series.fault) firstRight++;
    const rule = namingRule(series);
    const cells = [
      series.fault,
      found(withForest),
      String(withForest.falseAlarms),
      withForest.score.toFixed(1),
      found(withoutForest),
      withoutForest.score.toFixed(1),
      found(withoutShares),
      withoutShares.score.toFixed(1),
      `${withForest.namedRight}/${withForest.named}`,
      withForest.firstNamed,
      `${rule.right}/${rule.asked}`,
    ];
    console.log(cells.map((cell, i) => cell.padStart(widths[i]!)).join(' '));
  }
  console.log(
    `  found ${foundWith}/${set.length} faults, ${foundWithoutForest}/${set.length} without the forest, ${foundWithoutShares}/${set.length} without the shares; the first flag named the faulty phase in ${firstRight}/${foundWith}; ${namedRight}/${named} flagged checks in the spans named it.`,
  );
}

if (require.main === module) printPhaseFaultReport();
