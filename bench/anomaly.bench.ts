/**
 * `npm run bench -- anomaly`: the streaming detector against never-alert, a rolling z-score and
 * the seed's refit-and-flag isolation forest on three generated labelled sets (response times,
 * other kinds of series, checks with phase timings), an ablation of the detector's steps, and the
 * per-check cost and memory with 1,000 targets.
 */
import { performance } from 'node:perf_hooks';
import { AnomalyDetector, DEFAULT_ANOMALY_THRESHOLD, type AnomalyDetectorSettings } from '../src/core/anomaly/anomalyDetector';
import { neverAlert, rollingZScore, seedRefitForest } from './anomaly/baselines';
import { atThreshold, detectorScorer, evaluate, scoreAll, windowsByKind, type Evaluation, type Flagger, type ScoreTable } from './anomaly/evaluation';
import { generateEvaluationSet, type LabelledSeries } from './anomaly/evaluationSet';
import { generateGenericSet, GENERIC_FAMILIES } from './anomaly/genericSeries';
import { generatePhaseSet } from './anomaly/phaseSeries';
import { METRIC_DEFINITION } from './anomaly/windowMetric';

const benchStarted = performance.now();
const responseTimes = generateEvaluationSet(24);
const generic = generateGenericSet(4);
const phased = generatePhaseSet(16);
/** What `anomaly-score` sees: one number per row. */
const univariate = [...responseTimes, ...generic];
const everything = [...univariate, ...phased];

interface Row {
  univariate: Evaluation;
  responseTimes: Evaluation;
  generic: Evaluation;
  phased: Evaluation;
}

function evaluateAll(flagger: Flagger, phasedFlagger: Flagger = flagger): Row {
  return {
    univariate: evaluate(univariate, flagger),
    responseTimes: evaluate(responseTimes, flagger),
    generic: evaluate(generic, flagger),
    phased: evaluate(phased, phasedFlagger),
  };
}

const COLUMNS = ['tuning', 'held-out', 'all', 'resp.', 'other', 'phases', 'windows', 'FP', 'flags/1k'];
const WIDTHS = [7, 9, 7, 7, 7, 7, 8, 5, 9];
const NAME_WIDTH = 48;

function line(name: string, cells: string[]): string {
  return [name.padEnd(NAME_WIDTH), ...cells.map((cell, i) => cell.padStart(WIDTHS[i]!))].join(' ');
}

function row(name: string, result: Row): string {
  const u = result.univariate;
  return line(name, [
    u.tuning.score.toFixed(1),
    u.heldOut.score.toFixed(1),
    u.all.score.toFixed(1),
    result.responseTimes.all.score.toFixed(1),
    result.generic.all.score.toFixed(1),
    result.phased.all.score.toFixed(1),
    `${u.all.detectedWindows}/${u.all.windows}`,
    String(u.all.falsePositives),
    u.all.flagsPerThousand.toFixed(2),
  ]);
}

const count = (set: readonly LabelledSeries[]) => set.reduce((n, s) => n + s.values.length, 0);
const windows = (set: readonly LabelledSeries[]) => set.reduce((n, s) => n + s.windows.length, 0);
console.log('Evaluation sets (generated from fixed seeds; odd seeds are the held-out half, never used for a choice):');
console.log(`  resp.  ${responseTimes.length} response-time series, ${count(responseTimes)} checks, ${windows(responseTimes)} labelled windows`);
console.log(`  other  ${generic.length} series of ${GENERIC_FAMILIES.length} other shapes (${GENERIC_FAMILIES.join(', ')}), ${count(generic)} checks, ${windows(generic)} windows`);
console.log(`  phases ${phased.length} series of checks with phase timings, ${count(phased)} checks, ${windows(phased)} windows (half hidden in one phase)`);
console.log('tuning / held-out / all, windows, FP and flags/1k are over resp. + other (what anomaly-score sees); resp., other and phases are each set\'s own score.');
console.log(METRIC_DEFINITION);
console.log(`Alert threshold: the shipped default, score >= ${DEFAULT_ANOMALY_THRESHOLD}.\n`);

console.log(line('detector', COLUMNS));
const scoringStarted = performance.now();
const shipped = scoreAll(everything, detectorScorer({}));
const scoringSeconds = (performance.now() - scoringStarted) / 1000;
const shippedFlags = atThreshold(shipped, DEFAULT_ANOMALY_THRESHOLD);
const shippedRow = evaluateAll(shippedFlags);
console.log(row('streaming detector (shipped defaults)', shippedRow));
const never = evaluateAll((s) => neverAlert(s.values));
console.log(row('baseline: never alert', never));
const rollingZ = evaluateAll((s) => rollingZScore(s.values));
console.log(row('baseline: rolling z-score (100 checks, |z|>=3)', rollingZ));
const SEED_REFIT = 800;
const seedStarted = performance.now();
const seed = evaluate(responseTimes, (s) => seedRefitForest(s.values, { refitEvery: SEED_REFIT, trees: 25, contamination: 0.05 }));
console.log(line('baseline: seed (refit IF, top 5 %, null = 0)*', ['', '', '', seed.all.score.toFixed(1), '', '', `${seed.all.detectedWindows}/${seed.all.windows}`, String(seed.all.falsePositives), seed.all.flagsPerThousand.toFixed(2)]));
console.log(`  * on the response-time set only (windows, FP and flags/1k of that set): it refits on all values so far every ${SEED_REFIT}`);
console.log(`    checks with 25 trees (not at every check with 100) to keep the bench short (${((performance.now() - seedStarted) / 1000).toFixed(1)} s); it flags the top 5 % by construction.`);

console.log('\nAblation (one change at a time; same threshold):');
const ablations: [string, AnomalyDetectorSettings][] = [
  ['without the robust z channels (level, shift)', { components: { robustZ: false } }],
  ['without the daily profile', { components: { seasonal: false } }],
  ['without the level-change CUSUM', { components: { levelChange: false } }],
  ['without novelty against a decaying range', { components: { novelty: false } }],
  ['without the flatline channel', { components: { flatline: false } }],
  ['without the per-phase channel', { components: { phases: false } }],
  ['without adopting a persisting change', { components: { adaptation: false } }],
  ['without damping of repeated fires', { components: { damping: false } }],
  ['without the isolation forest channel', { components: { forest: false } }],
  ['isolation forest on phased checks only', { forestWithoutPhases: false }],
  ['isolation forest instead of the per-phase channel', { components: { phases: false } }],
];
for (const [name, settings] of ablations) {
  const scores = scoreAll(everything, detectorScorer(settings));
  console.log(row(name, evaluateAll(atThreshold(scores, DEFAULT_ANOMALY_THRESHOLD))));
}
const withoutPhases = scoreAll(phased, detectorScorer({}, false));
console.log(line('phases not passed (total only)', ['', '', '', '', '', evaluate(phased, atThreshold(withoutPhases, DEFAULT_ANOMALY_THRESHOLD)).all.score.toFixed(1), '', '', '']));

console.log('\nThreshold sensitivity of the shipped detector, resp. + other (tuning / held-out), and phases:');
for (const limit of [0.3, 0.4, 0.5, 0.6, 0.7]) {
  const result = evaluateAll(atThreshold(shipped, limit));
  const mark = limit === DEFAULT_ANOMALY_THRESHOLD ? ' (default)' : '          ';
  console.log(`  ${limit.toFixed(1)}${mark}: ${result.univariate.tuning.score.toFixed(1).padStart(5)} / ${result.univariate.heldOut.score.toFixed(1).padStart(5)}   phases ${result.phased.all.score.toFixed(1).padStart(5)}`);
}

function kinds(set: readonly LabelledSeries[], scores: ScoreTable): string {
  return [...windowsByKind(set, atThreshold(scores, DEFAULT_ANOMALY_THRESHOLD))].map(([kind, { found, total }]) => `${kind} ${found}/${total}`).join('  ');
}
console.log('\nWindows found by kind (shipped defaults):');
console.log(`  resp.   ${kinds(responseTimes, shipped)}`);
console.log(`  other   ${kinds(generic, shipped)}`);
console.log(`  phases  ${kinds(phased, shipped)}`);
console.log('Score by family of the other set (all seeds):');
console.log(`  ${GENERIC_FAMILIES.map((family) => `${family} ${evaluate(generic.filter((s) => s.name.startsWith(`${family}-`)), shippedFlags).all.score.toFixed(0)}`).join('  ')}`);

// Cost: 1,000 targets checked round-robin, as the scheduler would, retraining included.
const TARGETS = 1000;
const CHECKS_PER_TARGET = Number(process.env.ANOMALY_BENCH_CHECKS ?? 300);
type Check = (index: number, time: number) => number;
function costPerCheck(source: LabelledSeries, make: (target: number) => Check): number {
  const scorers = Array.from({ length: TARGETS }, (_, t) => make(t));
  const started = performance.now();
  for (let step = 0; step < CHECKS_PER_TARGET; step++) {
    for (let t = 0; t < TARGETS; t++) scorers[t]!((step + t * 7) % source.values.length, step * 60_000);
  }
  return (performance.now() - started) / (TARGETS * CHECKS_PER_TARGET);
}
/** Heap plus typed-array backing stores, which V8 keeps outside heapUsed (and frees a collection later). */
function usedBytes(): number {
  globalThis.gc?.();
  globalThis.gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
function detectorCost(source: LabelledSeries): { ms: number; kib: number; arrayKib: number } {
  const before = usedBytes();
  const detectors: AnomalyDetector[] = [];
  const ms = costPerCheck(source, (t) => {
    const detector = new AnomalyDetector({ seed: t });
    detectors.push(detector);
    return (i, time) => detector.score({ time, value: source.values[i]!, phases: source.phases?.[i] });
  });
  const kib = (usedBytes() - before) / TARGETS / 1024;
  const arrayKib = detectors.reduce((n, d) => n + d.byteSize, 0) / detectors.length / 1024;
  return { ms, kib, arrayKib };
}
const totalOnlyCost = detectorCost(responseTimes[0]!);
const withPhasesCost = detectorCost(phased[0]!);
const zMs = costPerCheck(responseTimes[0]!, () => {
  const history: number[] = [];
  return (i) => {
    const value = responseTimes[0]!.values[i]!;
    if (value === null) return 0;
    history.push(value);
    if (history.length > 100) history.shift();
    const mean = history.reduce((a, b) => a + b, 0) / history.length;
    return Math.abs(value - mean);
  };
});
console.log(`\nCost with ${TARGETS} targets x ${CHECKS_PER_TARGET} checks (round-robin, retraining included; budget 200 us a check):`);
console.log(`  detector, checks with phases  ${(withPhasesCost.ms * 1000).toFixed(1).padStart(6)} us per check; ${withPhasesCost.kib.toFixed(0)} KiB memory per target (heap + arrays; its arrays ${withPhasesCost.arrayKib.toFixed(0)} KiB, fixed by the options)`);
console.log(`  detector, total only          ${(totalOnlyCost.ms * 1000).toFixed(1).padStart(6)} us per check; ${totalOnlyCost.kib.toFixed(0)} KiB memory per target (heap + arrays; its arrays ${totalOnlyCost.arrayKib.toFixed(0)} KiB)`);
console.log(`  rolling z-score               ${(zMs * 1000).toFixed(1).padStart(6)} us per check; detector / z-score = ${(withPhasesCost.ms / zMs).toFixed(0)}x and ${(totalOnlyCost.ms / zMs).toFixed(0)}x`);
console.log(`  scoring the ${everything.length} labelled series once took ${scoringSeconds.toFixed(1)} s (${((scoringSeconds * 1e6) / count(everything)).toFixed(1)} us a check, one detector at a time)`);

const best = Math.max(never.univariate.all.score, rollingZ.univariate.all.score);
console.log(`\nDetector ${shippedRow.univariate.all.score.toFixed(1)} vs best baseline ${best.toFixed(1)} on resp. + other (held-out half: ${shippedRow.univariate.heldOut.score.toFixed(1)}); bench took ${((performance.now() - benchStarted) / 1000).toFixed(0)} s.`);
