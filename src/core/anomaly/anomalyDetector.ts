/**
 * The streaming anomaly detector: one per target (or per series fed to `anomaly-score`), fed every
 * check in order, returning a score in [0, 1] from that check and the past only. It makes no
 * assumption about the unit: response times, counts, percentages, byte rates and signed values
 * are all handled. See ARCHITECTURE.md ("The anomaly detector") for the published work behind the
 * steps and bench/anomaly.bench.ts for what each step is worth on the labelled sets.
 *
 * Per check:
 *   1. The value goes through asinh(x / c) (ValueScale): logarithmic for values that vary by
 *      factors, linear near 0 and for signed series; c is chosen from the first values.
 *   2. A daily rhythm, once it is real, is taken out (SeasonalProfile), so the evening peak is
 *      expected and the same value at 4 a.m. is not.
 *   3. Channels describe the value in its recent context, each in robust units (median and MAD of
 *      the last `contextSize` values, floored by the data's resolution and its long-run noise):
 *        level        |z|, how far this value is from the recent median;
 *        shift        |median of the last three z|, a change that holds for more than one check;
 *        levelChange  a two-sided CUSUM of the values against the median of the last
 *                     `longContextSize`, which finds a level shift or a slow drift early;
 *        novelty      how far beyond the (slowly shrinking) range of past values;
 *        flatline     how long the value has repeated exactly (a stuck sensor or exporter);
 *        phase        the largest |median of the last three z| among the check's phases, so a
 *                     slow resolver or handshake hidden in a normal total is found;
 *        forest       an isolation forest (ml-isolation-forest) on the z of the total and of
 *                     each phase, retrained every `retrainEvery` checks: how unusual the
 *                     combination is.
 *   4. Each channel is calibrated against this target's own history of that channel: its surprise
 *      is -log10 of the tail probability (exponential tail over a high quantile, TailCalibrator).
 *      The score is the largest surprise, scaled so DEFAULT_ANOMALY_THRESHOLD is a tail
 *      probability of 1e-4.
 *   5. A change that persists is accepted: once `adaptAfter` values in a row sit on the same side,
 *      far from the median, or once the CUSUM has fired and the recent median confirms it, the
 *      baselines restart from the recent values.
 *   6. Damping: a score that does not exceed the recent ones counts for less, so one event gives
 *      one alert, not one per check; the first checks after an outage are damped the same way.
 *
 * Failed checks (value null) never enter the statistics: they score 0, since the scheduler already
 * reports them as DOWN, and they leave the learned state untouched.
 *
 * The isolation forest is on, as the product's design asks, but know what it is worth: on the
 * labelled sets it changed nothing measurable, neither as an extra channel (on totals or on
 * phases) nor in place of the phase channel (see the bench's ablation), at a cost well inside the
 * per-check budget. An isolation tree draws its split values inside the range of its training rows, so
 * a row far outside that range isolates no faster than the most extreme training row: the forest
 * can say "as odd as the oddest recent check" but not "ten times further out", and after
 * calibration against its own history it never reached the alert level, even for a resolver 15
 * robust units slower than usual. The per-channel statistics carry the magnitude; the forest
 * adds the "unusual combination" view, and `components: { forest: false }` reruns the comparison.
 */
import type { PhaseTimings } from '../probes/checkResult';
import { IsolationForestModel } from './isolationForestModel';
import { PHASE_COUNT, PhaseDeviationTracker, usablePhases } from './phaseDeviations';
import { RollingWindow } from './rollingWindow';
import { SeasonalProfile } from './seasonalProfile';
import { createSeededRandom, type RandomSource } from './seededRandom';
import { TailCalibrator } from './tailCalibrator';
import { ValueScale } from './valueScale';

/** A score at or above this marks the check anomalous (the default of the product's setting). */
export const DEFAULT_ANOMALY_THRESHOLD = 0.5;

export interface AnomalySample {
  /** When the check started, epoch milliseconds. May repeat or step back; NaN keeps the last time. */
  time: number;
  /** Response time in milliseconds (or any measured value); null for a failed check. */
  value: number | null;
  phases?: PhaseTimings;
}

export const ANOMALY_CHANNELS = ['level', 'shift', 'levelChange', 'novelty', 'flatline', 'phase', 'forest'] as const;
export type AnomalyChannel = (typeof ANOMALY_CHANNELS)[number];

/** Steps that can be switched off, to measure what each one is worth. */
export interface AnomalyComponents {
  /** The level and shift channels (robust z). */
  robustZ: boolean;
  seasonal: boolean;
  levelChange: boolean;
  novelty: boolean;
  flatline: boolean;
  /** Per-phase deviations as a channel. */
  phases: boolean;
  /** The isolation forest channel. */
  forest: boolean;
  /** Restarting the baselines once a change has persisted. */
  adaptation: boolean;
  damping: boolean;
}

export interface AnomalyDetectorOptions {
  /** Seed for the forest's randomness; ignored when `random` is given. */
  seed: number;
  random?: RandomSource;
  /** Valid checks in the rolling window behind the median and MAD. */
  contextSize: number;
  /** Valid checks behind the reference level of the levelChange channel. */
  longContextSize: number;
  /** Valid checks needed before any score above 0. */
  warmupChecks: number;
  /** First valid checks that only choose the value scale. */
  scaleChecks: number;
  /** Knee of the value transform as a fraction of the typical magnitude. */
  kneeFraction: number;
  /** Feature rows the forest is trained on (the most recent ones). */
  trainingSize: number;
  /** Valid checks between retrains. */
  retrainEvery: number;
  treeCount: number;
  subsampleSize: number;
  /** Also grow the forest for checks without phases (features of the total only). */
  forestWithoutPhases: boolean;
  /** Past values of each channel its calibration is fitted to. */
  calibrationHistory: number;
  /** Fraction of a channel's history above the tail threshold. */
  tailFraction: number;
  /** Floor of the fitted mean excess as a fraction of the tail threshold (each channel also has a floor in its own units). */
  minExcessFraction: number;
  /** Surprise (-log10 of the tail probability) that maps to a score of 1; the scale is linear below. */
  fullScoreSurprise: number;
  /** Per-check decay of the novelty range towards the long window's 10th and 90th percentiles (fraction of the gap). */
  rangeDecay: number;
  /** Per-check decay of the damping reference. */
  dampingDecay: number;
  /** Factor applied to a score that does not exceed the damping reference. */
  dampingFactor: number;
  /** Valid checks after a failed one whose score is damped (cold caches, new connections). */
  recoveryChecks: number;
  /** CUSUM allowance, in robust units: drifts slower than this are not accumulated. */
  cusumAllowance: number;
  /** Largest CUSUM step, in robust units, so one spike cannot look like a level change. */
  cusumClip: number;
  /** Values in a row beyond `adaptZ` on one side that make them the new baseline. */
  adaptAfter: number;
  adaptZ: number;
  /** Daily profile: slots per day, days before it may apply, error ratio it must achieve. */
  seasonBuckets: number;
  seasonMinDays: number;
  seasonGain: number;
  components: AnomalyComponents;
}

/** What the constructor takes: any option, and any subset of the components. */
export type AnomalyDetectorSettings = Partial<Omit<AnomalyDetectorOptions, 'components'>> & { components?: Partial<AnomalyComponents> };

export const DEFAULT_ANOMALY_DETECTOR_OPTIONS: Readonly<AnomalyDetectorOptions> = Object.freeze({
  seed: 0x5eed,
  contextSize: 64,
  longContextSize: 256,
  warmupChecks: 96,
  scaleChecks: 16,
  kneeFraction: 0.1,
  trainingSize: 512,
  retrainEvery: 64,
  treeCount: 32,
  subsampleSize: 128,
  forestWithoutPhases: true,
  calibrationHistory: 512,
  tailFraction: 0.08,
  minExcessFraction: 0.1,
  fullScoreSurprise: 8,
  rangeDecay: 0.01,
  dampingDecay: 0.97,
  dampingFactor: 0.45,
  recoveryChecks: 2,
  cusumAllowance: 0.5,
  cusumClip: 4,
  adaptAfter: 8,
  adaptZ: 3,
  seasonBuckets: 96,
  seasonMinDays: 2,
  seasonGain: 0.8,
  components: Object.freeze({
    robustZ: true,
    seasonal: true,
    levelChange: true,
    novelty: true,
    flatline: true,
    phases: true,
    forest: true,
    adaptation: true,
    damping: true,
  }),
});

const enum Channel {
  Level,
  Shift,
  LevelChange,
  Novelty,
  Flatline,
  Phase,
  Forest,
}

const CHANNEL_COUNT = ANOMALY_CHANNELS.length;
/**
 * A repeat run grows by one every check it lasts, so its own values would soon fill the top of its
 * calibration history and hide it; they join the history this many checks late instead.
 */
const FLATLINE_DELAY = 64;
/**
 * Floor of each channel's fitted mean excess, in the channel's own units: a quarter of a robust
 * unit for z-like channels (a normal |z| has about 0.45 above its 92nd percentile), one repeat for
 * run lengths. Without it, a channel whose history takes few distinct values (quantised data)
 * would call the next distinct value a one-in-a-billion event.
 */
const MIN_EXCESS: Readonly<Record<Channel, number>> = {
  [Channel.Level]: 0.25,
  [Channel.Shift]: 0.25,
  [Channel.LevelChange]: 0.5,
  [Channel.Novelty]: 0.05,
  [Channel.Flatline]: 1,
  [Channel.Phase]: 0.25,
  [Channel.Forest]: 0.01,
};
const MIN_CONTEXT = 8;
const SHORT_CONTEXT = 12;
/** Relative resolution below which changes are measurement noise: 0.5 % of the value. */
const MIN_RELATIVE_SCALE = 0.005;
/** The noise scale never falls below this fraction of its long-run level (a quiet spell is not a new normal). */
const LONG_RUN_FLOOR = 0.25;
const LONG_RUN_CHECKS = 1000;
/** Surprise of the levelChange channel at which a confirmed change is adopted (a score of 0.5). */
const ADOPT_SURPRISE = 4;
/** Forest features from the total: z, median of three z, spread ratio, CUSUM step, change of z. */
const TOTAL_FEATURES = 5;
const MIN_FOREST_ROWS = 64;

export class AnomalyDetector {
  private readonly options: AnomalyDetectorOptions;
  private random: RandomSource;
  private readonly valueScale: ValueScale;
  private readonly season: SeasonalProfile;
  private readonly context: RollingWindow;
  private readonly longContext: RollingWindow;
  private readonly shortContext: RollingWindow;
  /** Values (in the series' own unit) and times of the last `longContextSize` valid checks, to rebuild the windows. */
  private readonly recentValues: Float64Array;
  private readonly recentTimes: Float64Array;
  private recentNext = 0;
  private recentCount = 0;
  private readonly calibrators: (TailCalibrator | undefined)[] = new Array<TailCalibrator | undefined>(CHANNEL_COUNT);
  private readonly surprises = new Float64Array(CHANNEL_COUNT);
  private phaseTracker: PhaseDeviationTracker | undefined;
  private readonly phaseZ = new Float64Array(PHASE_COUNT);
  private readonly phasePersistent = new Float64Array(PHASE_COUNT);
  /** Ring of forest feature rows, `featureCount` numbers each; allocated with the first row. */
  private rows: Float64Array | undefined;
  private featureCount = 0;
  private rowNext = 0;
  private rowCount = 0;
  private forest: IsolationForestModel | null = null;
  private sinceTrain = 0;
  private validChecks = 0;
  private lastTime = Number.NaN;
  private lastRaw = Number.NaN;
  private repeatRun = 0;
  private quantum = Infinity;
  /** The spread of the context window as noiseScale() last measured it. */
  private recentSpread = 0;
  private longRunSpread = 0;
  private longRunWeight = 0;
  private recentZ: [number, number] = [0, 0];
  private sameSideRun = 0;
  private cusumUp = 0;
  private cusumDown = 0;
  private adoptPending = false;
  private seasonApplied = false;
  private rangeHigh = Number.NaN;
  private rangeLow = Number.NaN;
  private dampingReference = 0;
  private recovering = 0;

  constructor(options: AnomalyDetectorSettings = {}) {
    this.options = {
      ...DEFAULT_ANOMALY_DETECTOR_OPTIONS,
      ...options,
      components: { ...DEFAULT_ANOMALY_DETECTOR_OPTIONS.components, ...options.components },
    };
    const o = this.options;
    if (
      o.retrainEvery < 1 || o.trainingSize < 2 || o.treeCount < 1 || o.subsampleSize < 2 || o.contextSize < MIN_CONTEXT
      || o.longContextSize < o.contextSize || o.calibrationHistory < 8 || o.scaleChecks < 1 || o.adaptAfter < 2
    ) {
      throw new Error(
        'Anomaly detector options out of range: contextSize >= 8, longContextSize >= contextSize, trainingSize >= 2, retrainEvery >= 1, '
        + 'treeCount >= 1, subsampleSize >= 2, calibrationHistory >= 8, scaleChecks >= 1, adaptAfter >= 2.',
      );
    }
    this.random = o.random ?? createSeededRandom(o.seed);
    this.valueScale = new ValueScale({ decideAfter: o.scaleChecks, kneeFraction: o.kneeFraction });
    this.season = new SeasonalProfile({ buckets: o.seasonBuckets, minDays: o.seasonMinDays, memoryDays: 3, levelDays: 1, clip: 3, requiredGain: o.seasonGain });
    this.context = new RollingWindow(o.contextSize);
    this.longContext = new RollingWindow(o.longContextSize);
    this.shortContext = new RollingWindow(SHORT_CONTEXT);
    this.recentValues = new Float64Array(o.longContextSize);
    this.recentTimes = new Float64Array(o.longContextSize);
  }

  /** Scores one check; call in check order. Returns a number in [0, 1]. */
  score(sample: AnomalySample): number {
    const { value } = sample;
    if (value === null || !Number.isFinite(value)) {
      this.recovering = this.options.recoveryChecks;
      return 0;
    }
    if (Number.isFinite(sample.time)) this.lastTime = sample.time;
    const time = this.lastTime;
    this.validChecks++;
    const phases = this.wantsPhases && usablePhases(sample.phases) ? sample.phases : undefined;
    this.valueScale.observe(value);
    if (this.valueScale.collecting) {
      if (phases) this.trackPhases(phases);
      return 0;
    }
    // A series that looked positive turns out to be signed: relearn the windows on a linear scale.
    if (value < 0 && this.valueScale.decided && !this.valueScale.signed) this.makeSigned(value);
    const y = this.valueScale.transform(value);
    const seasonal = this.seasonApplied ? this.season.offsetAt(time) : 0;
    const deseasonalised = y - seasonal;
    this.surprises.fill(0);
    const scale = this.noiseScale();
    let surprise = 0;
    if (this.context.size >= MIN_CONTEXT) surprise = this.surprise(deseasonalised, value, scale, phases);
    else if (phases) this.trackPhases(phases);
    this.learn(deseasonalised, y, value, time, scale);
    if (this.validChecks <= this.options.warmupChecks) return 0;
    let score = Math.min(1, surprise / this.options.fullScoreSurprise);
    if (this.recovering > 0) {
      // The first checks after an outage pay for cold caches and new connections.
      this.recovering--;
      score *= this.options.dampingFactor;
    }
    return this.damp(score);
  }

  /** Forgets everything learned, as after the target's URL changed. */
  reset(): void {
    // A detector seeded by the options repeats itself after a reset; a caller's own source just continues.
    if (!this.options.random) this.random = createSeededRandom(this.options.seed);
    this.valueScale.reset();
    this.season.reset();
    this.context.clear();
    this.longContext.clear();
    this.shortContext.clear();
    this.recentNext = this.recentCount = 0;
    for (const calibrator of this.calibrators) calibrator?.reset();
    this.surprises.fill(0);
    this.phaseTracker?.reset();
    this.rows = undefined;
    this.featureCount = this.rowNext = this.rowCount = this.sinceTrain = this.validChecks = 0;
    this.forest = null;
    this.lastTime = this.lastRaw = Number.NaN;
    this.repeatRun = 0;
    this.quantum = Infinity;
    this.recentSpread = this.longRunSpread = this.longRunWeight = 0;
    this.recentZ = [0, 0];
    this.sameSideRun = 0;
    this.cusumUp = this.cusumDown = 0;
    this.adoptPending = false;
    this.seasonApplied = false;
    this.rangeHigh = this.rangeLow = Number.NaN;
    this.dampingReference = 0;
    this.recovering = 0;
  }

  /** Each channel's surprise for the last valid check (0 for a channel that did not speak): why it scored what it did. */
  lastSurprises(): Record<AnomalyChannel, number> {
    return Object.fromEntries(ANOMALY_CHANNELS.map((name, i) => [name, this.surprises[i]!])) as Record<AnomalyChannel, number>;
  }

  /** Bytes held by the forest's arrays and training rows (0 unless the forest is switched on). */
  get forestBytes(): number {
    return (this.forest?.byteSize ?? 0) + (this.rows?.byteLength ?? 0);
  }

  /** Bytes held by every array the detector keeps; bounded by the options, whatever the number of checks. */
  get byteSize(): number {
    let bytes = this.forestBytes + this.context.byteSize + this.longContext.byteSize + this.shortContext.byteSize;
    bytes += this.recentValues.byteLength + this.recentTimes.byteLength + this.season.byteSize + (this.phaseTracker?.byteSize ?? 0);
    for (const calibrator of this.calibrators) bytes += calibrator?.byteSize ?? 0;
    return bytes;
  }

  private get wantsPhases(): boolean {
    return this.options.components.phases || this.options.components.forest;
  }

  /** The robust spread of the recent values, never below the data's resolution or a quarter of its usual spread. */
  private noiseScale(): number {
    const { context } = this;
    if (context.size === 0) return 1e-9;
    const median = context.median();
    const spread = context.size >= MIN_CONTEXT ? Math.max(1.4826 * context.mad(median), 0.5 * context.meanAbsoluteStep()) : 0;
    this.recentSpread = spread;
    // The floors are set at the typical value, in the series' own unit, then transformed.
    const typical = this.valueScale.inverse(median);
    const slope = this.valueScale.slope(typical);
    const resolution = Number.isFinite(this.quantum) ? 0.5 * this.quantum * slope : 0;
    const relative = MIN_RELATIVE_SCALE * Math.abs(typical) * slope;
    return Math.max(spread, resolution, relative, LONG_RUN_FLOOR * this.longRunSpread, 1e-9);
  }

  /** The largest calibrated surprise over the enabled channels, against the past only. */
  private surprise(value: number, raw: number, scale: number, phases: PhaseTimings | undefined): number {
    const { components } = this.options;
    const median = this.context.median();
    const z = (value - median) / scale;
    const persistent = median3(z, this.recentZ[0], this.recentZ[1]);

    // CUSUM against the long window's median, in units of the long window's own spread (which
    // includes slow wander, so a wandering series needs a larger change).
    const longMedian = this.longContext.median();
    const longScale = Math.max(1.4826 * this.longContext.mad(longMedian), scale);
    const step = clamp((value - longMedian) / longScale, this.options.cusumClip);
    this.cusumUp = Math.max(0, this.cusumUp + step - this.options.cusumAllowance);
    this.cusumDown = Math.max(0, this.cusumDown - step - this.options.cusumAllowance);

    if (components.robustZ) {
      this.channel(Channel.Level, Math.abs(z));
      this.channel(Channel.Shift, Math.abs(persistent));
    }
    if (components.levelChange) {
      const fired = this.channel(Channel.LevelChange, Math.max(this.cusumUp, this.cusumDown));
      // Adopt the new level once the recent median agrees with the CUSUM that it moved.
      if (fired >= ADOPT_SURPRISE && Math.abs(median - longMedian) > 2 * longScale) this.adoptPending = true;
    }
    if (components.novelty) this.channel(Channel.Novelty, this.novelty(value));
    if (components.flatline) {
      this.channel(Channel.Flatline, raw === this.lastRaw ? this.repeatRun + 1 : 0);
      // Repeating the usual value (an error count at 0, a setting that never changes) is the
      // ordinary state of such a series, not a stuck reading; its runs still teach the calibration.
      if (!this.seasonApplied && value === longMedian) this.surprises[Channel.Flatline] = 0;
    }

    const phasesReady = phases !== undefined && this.trackPhases(phases);
    if (phasesReady && components.phases) {
      let largest = 0;
      for (let p = 0; p < PHASE_COUNT; p++) largest = Math.max(largest, Math.abs(this.phasePersistent[p]!));
      this.channel(Channel.Phase, largest);
    }
    if (components.forest && (phasesReady || (this.options.forestWithoutPhases && phases === undefined))) {
      const shortSpread = this.shortContext.size >= 4 ? 1.4826 * this.shortContext.mad(this.shortContext.median()) : scale;
      const row = this.nextRow(phasesReady, z, persistent, Math.log(Math.max(shortSpread, 1e-9) / scale), step);
      if (this.forest === null || this.sinceTrain >= this.options.retrainEvery) this.retrain();
      if (this.forest !== null) this.channel(Channel.Forest, this.forest.score(row));
    }

    this.sameSideRun = Math.abs(z) >= this.options.adaptZ && Math.sign(z) === Math.sign(this.recentZ[0]) ? this.sameSideRun + 1 : Math.abs(z) >= this.options.adaptZ ? 1 : 0;
    this.recentZ = [z, this.recentZ[0]];
    let largest = 0;
    for (let c = 0; c < CHANNEL_COUNT; c++) largest = Math.max(largest, this.surprises[c]!);
    return largest;
  }

  /** Calibrates one channel's raw value and records its surprise. */
  private channel(channel: Channel, raw: number): number {
    let calibrator = this.calibrators[channel];
    if (!calibrator) {
      const o = this.options;
      calibrator = new TailCalibrator({ historySize: o.calibrationHistory, tailFraction: o.tailFraction, minExcess: MIN_EXCESS[channel], minExcessFraction: o.minExcessFraction, minHistory: 32, delay: channel === Channel.Flatline ? FLATLINE_DELAY : 0 });
      this.calibrators[channel] = calibrator;
    }
    const surprise = calibrator.update(raw);
    this.surprises[channel] = surprise;
    return surprise;
  }

  private trackPhases(phases: PhaseTimings): boolean {
    this.phaseTracker ??= new PhaseDeviationTracker(this.options.contextSize);
    return this.phaseTracker.update(phases, this.phaseZ, this.phasePersistent);
  }

  /** Writes the forest's feature row for this check into the ring and returns it. */
  private nextRow(withPhases: boolean, z: number, persistent: number, spreadRatio: number, step: number): Float64Array {
    if (!this.rows) {
      // The layout is fixed by the first row: a target either has phases or it does not.
      this.featureCount = TOTAL_FEATURES + (withPhases ? PHASE_COUNT : 0);
      this.rows = new Float64Array(this.options.trainingSize * this.featureCount);
    }
    const width = this.featureCount;
    const row = this.rows.subarray(this.rowNext * width, (this.rowNext + 1) * width);
    row[0] = z;
    row[1] = persistent;
    row[2] = spreadRatio;
    row[3] = step;
    row[4] = z - this.recentZ[0];
    for (let p = 0; p < width - TOTAL_FEATURES; p++) row[TOTAL_FEATURES + p] = withPhases ? this.phaseZ[p]! : 0;
    this.rowNext = (this.rowNext + 1) % this.options.trainingSize;
    this.rowCount = Math.min(this.rowCount + 1, this.options.trainingSize);
    this.sinceTrain++;
    return row;
  }

  private retrain(): void {
    if (!this.rows || this.rowCount < MIN_FOREST_ROWS + 1) return;
    const width = this.featureCount;
    const size = this.options.trainingSize;
    // The newest row is the one being scored: train on those before it.
    const training: number[][] = [];
    for (let age = 2; age <= this.rowCount; age++) {
      const at = (this.rowNext - age + 2 * size) % size;
      training.push(Array.from(this.rows.subarray(at * width, (at + 1) * width)));
    }
    this.forest = IsolationForestModel.train(training, { treeCount: this.options.treeCount, subsampleSize: this.options.subsampleSize }, this.random);
    this.sinceTrain = 0;
  }

  /** How far beyond the decaying range of past values, in units of that range (0 inside it). */
  private novelty(value: number): number {
    const high = this.rangeHigh;
    const low = this.rangeLow;
    if (!(high > low)) return 0;
    return Math.max(0, value - high, low - value) / (high - low);
  }

  private learn(value: number, y: number, raw: number, time: number, scale: number): void {
    const { components } = this.options;
    this.context.push(value);
    this.longContext.push(value);
    this.shortContext.push(value);
    this.recentValues[this.recentNext] = raw;
    this.recentTimes[this.recentNext] = time;
    this.recentNext = (this.recentNext + 1) % this.recentValues.length;
    this.recentCount = Math.min(this.recentCount + 1, this.recentValues.length);

    if (!Number.isNaN(this.lastRaw)) {
      const step = Math.abs(raw - this.lastRaw);
      // The smallest step seen, slowly forgotten: the data's resolution (1 for counts, 0.1 for a rounded sensor).
      if (step > 0) this.quantum = Math.min(this.quantum * 1.002, step);
      else if (Number.isFinite(this.quantum)) this.quantum *= 1.002;
    }
    this.repeatRun = raw === this.lastRaw ? this.repeatRun + 1 : 0;
    this.lastRaw = raw;
    if (this.context.size > MIN_CONTEXT) {
      this.longRunWeight = Math.min(this.longRunWeight + 1, LONG_RUN_CHECKS);
      this.longRunSpread += (this.recentSpread - this.longRunSpread) / this.longRunWeight;
    }

    if (Number.isNaN(this.rangeHigh)) {
      this.rangeHigh = this.rangeLow = value;
    } else {
      // The range shrinks towards the 10th and 90th percentiles of the long window, so one huge
      // spike does not silence novelty for good, nor does a quiet spell make ordinary values novel.
      const decay = this.options.rangeDecay;
      this.rangeHigh = Math.max(value, this.rangeHigh - decay * (this.rangeHigh - this.longContext.quantile(0.9)));
      this.rangeLow = Math.min(value, this.rangeLow + decay * (this.longContext.quantile(0.1) - this.rangeLow));
    }

    if (components.seasonal) {
      this.season.observe(time, y, scale);
      if (this.season.active !== this.seasonApplied) {
        this.seasonApplied = this.season.active;
        this.rebuild(this.recentCount);
      }
    }
    if (components.adaptation && (this.sameSideRun >= this.options.adaptAfter || this.adoptPending)) {
      this.rebuild(this.adoptPending ? this.options.contextSize >> 1 : this.options.adaptAfter);
    }
    this.adoptPending = false;
  }

  private makeSigned(value: number): void {
    let largest = Math.abs(value);
    for (let i = 0; i < this.recentCount; i++) largest = Math.max(largest, Math.abs(this.recentValues[i]!));
    this.valueScale.makeSigned(largest);
    // Everything kept in transformed units is relearned; the calibrations are in robust units and stay.
    this.season.reset();
    this.seasonApplied = false;
    this.longRunSpread = this.longRunWeight = 0;
    this.rebuild(this.recentCount);
  }

  /** Restarts the windows from the last `count` values, with the daily profile as it is now. */
  private rebuild(count: number): void {
    this.context.clear();
    this.longContext.clear();
    this.shortContext.clear();
    const size = this.recentValues.length;
    const take = Math.min(count, this.recentCount);
    this.rangeHigh = Number.NEGATIVE_INFINITY;
    this.rangeLow = Number.POSITIVE_INFINITY;
    for (let age = take - 1; age >= 0; age--) {
      const at = (this.recentNext - 1 - age + 2 * size) % size;
      const value = this.valueScale.transform(this.recentValues[at]!) - (this.seasonApplied ? this.season.offsetAt(this.recentTimes[at]!) : 0);
      this.context.push(value);
      this.longContext.push(value);
      this.shortContext.push(value);
      this.rangeHigh = Math.max(this.rangeHigh, value);
      this.rangeLow = Math.min(this.rangeLow, value);
    }
    if (take === 0) this.rangeHigh = this.rangeLow = Number.NaN;
    this.cusumUp = this.cusumDown = 0;
    this.sameSideRun = 0;
    this.recentZ = [0, 0];
  }

  private damp(score: number): number {
    if (!this.options.components.damping) return score;
    const reference = this.dampingReference;
    this.dampingReference = Math.max(score, reference * this.options.dampingDecay);
    return score <= reference ? score * this.options.dampingFactor : score;
  }
}

function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}

function clamp(value: number, limit: number): number {
  return value > limit ? limit : value < -limit ? -limit : value;
}
