/**
 * The streaming anomaly detector: one per target (or per series fed to `anomaly-score`), fed every
 * check in order, returning a score in [0, 1] from that check and the past only. It is told
 * nothing about the series (no unit, no range, no length of a learning period): response times
 * seconds apart, hourly counts and monthly economic figures all go through the same steps. They
 * are the ones published detectors share because they carry across real data (see
 * ARCHITECTURE.md, "The anomaly detector"); bench/anomaly.bench.ts shows what each is worth on
 * real labelled series, and a step that gained nothing there is not here.
 *
 *   1. Value scale: asinh(x / c) (ValueScale), logarithmic for values that vary by factors, linear
 *      near 0 and for signed series; c is chosen from the first `scaleChecks` values.
 *   2. Channels, each giving a surprise, -log10 of a Gaussian tail probability:
 *        level       the scaled value against the Gaussian of the recent scaled values, both ways
 *                    (Numenta's anomaly likelihood, Ahmad et al. 2017): a rolling z-score on the
 *                    log-like scale, which catches a level shift from its first check;
 *        raw level   the same on the value in its own unit: a burst of counts among hours with
 *                    none, or a latency spike on a series with deep dips, is plain there while
 *                    the log scale's wide spread hides it;
 *        robust level  the value's robust z-score in its own unit (RobustLevel: distance from
 *                    the recent median in MADs), which earlier spikes do not blind; scored at its
 *                    own fixed bar (step 3 does not apply to it: see below).
 *      For a check with phase timings (DNS, connect, TLS, first byte, transfer), a phase channel:
 *        shares      each phase's share of the total through the likelihood over a mean of 3
 *                    checks (a phase that stays slow, not one cache miss of the resolver): a
 *                    slower phase that a faster one hides in the total; the phase that surprised
 *                    most is the one named (`lastUnusualPhase`);
 *        forest      an isolation forest over the recent phase vectors (PhaseForest,
 *                    ml-isolation-forest trees, seeded, regrown every `phaseRefitEvery` checks),
 *                    its score through the same likelihood; the larger of the two, calibrated apart.
 *   3. Calibration (SurpriseCalibration): the largest surprise of the likelihood channels is
 *      checked against how often this target has reached it before, so heavy-tailed series (most
 *      response times) do not alert on every blip a Gaussian calls rare.
 *   4. Checks seen: over n checks about n x p of them reach a tail probability p by chance, so the
 *      surprise needed grows by `lengthCorrection` per decade of checks.
 *   5. Sparse alerting: a score that does not exceed the recent ones counts for less, so one event
 *      gives one alert rather than one per check, and the first checks after an outage are damped.
 *
 * The score is the corrected surprise over `fullScoreSurprise`, or the robust level's surprise
 * over twice `robustAlertSurprise` if larger, capped at 1; the default threshold 0.5 and the
 * robust bar (a robust z of 8) were chosen on the tuning halves of the real labelled series.

 * Failed checks (value null) never enter the statistics: they score 0, since the scheduler already
 * reports them as DOWN, and they leave the learned state untouched.
 *
 * Measured on the Cloud Monitoring tuning half and left out (see the bench's note for numbers):
 * the EWMA forecaster's error through the same likelihood (a prediction-error channel; it gained on
 * the tuning half and lost 6.5 points on the held-out half), novelty against a decaying range of
 * the values seen (it gained only on the economic series), a seasonal forecaster (an offset per
 * slot of the day), the relative entropy of the recent window's histogram against the past, a
 * second level channel on a recent mean of 3 or 6 values, the nearest-neighbour distance of the
 * recent window among past windows as a conformal rank (KNN-CAD), and the robust level through the
 * calibration (the calibration learns a series' frequent events as usual and silences it).
 *
 * The isolation forest only sees phases: on the real labelled series an isolation forest over the
 * recent values (the bench's percentile-rank baseline) scores far below this detector, and a
 * forest channel over each check's error, step and distance from the level lowered the held-out
 * score.
 */
import type { PhaseTimings } from '../probes/checkResult';
import { AnomalyLikelihood } from './anomalyLikelihood';
import { PHASES, PhaseForest, type Phase, type UnusualPhase } from './phaseForest';
import { RobustLevel } from './robustLevel';
import { SurpriseCalibration } from './surpriseCalibration';
import { ValueScale } from './valueScale';

/** A score at or above this marks the check anomalous (the default of the product's setting). */
export const DEFAULT_ANOMALY_THRESHOLD = 0.5;

/** Rows drawn for each tree of the phase forest at most: scikit-learn's default (the window of 128 rows is below it, so each tree sees the whole window and the trees differ by their splits). */
const PHASE_FOREST_SUBSAMPLE = 256;
/**
 * Forest scores averaged in the phase likelihood's recent mean: a phase that stays slow for three
 * checks, not one cache miss of the resolver, is what the channel is for.
 */
const PHASE_SHORT = 3;

export interface AnomalySample {
  /** When the check started, epoch milliseconds. May repeat or step back; NaN keeps the last time. */
  time: number;
  /** Response time in milliseconds (or any measured value); null for a failed check. */
  value: number | null;
  /** Phase timings of the check, when it has them: the phase forest's input. */
  phases?: PhaseTimings;
}

export const ANOMALY_CHANNELS = ['level', 'rawLevel', 'robustLevel', 'phases'] as const;
export type AnomalyChannel = (typeof ANOMALY_CHANNELS)[number];

/** Steps that can be switched off, to measure what each one is worth. */
export interface AnomalyComponents {
  /** The asinh value transform (off: values as they come). */
  valueScale: boolean;
  /** The level likelihood: the recent mean of the values against the Gaussian of a longer history of them. */
  level: boolean;
  /** The same on the values in their own unit, without the value scale: the plain rolling z-score. */
  rawLevel: boolean;
  /** The robust z-score of the value in its own unit, scored at a fixed bar outside the calibration. */
  robustLevel: boolean;
  /** The isolation forest over the recent phase vectors, for checks that have phase timings. */
  phaseForest: boolean;
  /** Each phase's share of the total against its own recent shares, for checks that have phase timings. */
  phaseShares: boolean;
  /** Calibration of the surprise against this target's own history of surprises. */
  calibration: boolean;
  /** Damping of scores that do not exceed the recent ones. */
  sparseAlerts: boolean;
}

export interface AnomalyDetectorOptions {
  /** Seeds the phase forest's random choices, so a target's scores repeat. */
  seed: number;
  /** First valid checks that only choose the value scale. */
  scaleChecks: number;
  /** Knee of the value transform as a fraction of the typical magnitude. */
  kneeFraction: number;
  /** Phase forest scores behind the phase likelihood's Gaussian. */
  likelihoodHistory: number;
  /** Scores needed before a likelihood (or the robust level) speaks. */
  likelihoodMinHistory: number;
  /** Values behind the level likelihoods' Gaussians and the robust level's median, and in the likelihoods' recent mean. */
  levelHistory: number;
  levelShort: number;
  /** Last values whose median the robust level also measures from (the nearer of the two counts). */
  robustRecent: number;
  /** Robust level surprise that scores the default threshold (0.5); 15 is a robust z of 8. */
  robustAlertSurprise: number;
  /** Surprise (-log10 of the tail probability) that maps to a score of 1; the scale is linear below. */
  fullScoreSurprise: number;
  /** Past surprises the calibration counts, and the weight (in checks) of the Gaussian claim. */
  calibrationHistory: number;
  calibrationPrior: number;
  /** Surprise taken off per decade of checks seen (a multiple-testing correction; 0 turns it off). */
  lengthCorrection: number;
  /** Per-check decay of the damping reference. */
  dampingDecay: number;
  /** Factor applied to a score that does not exceed the damping reference. */
  dampingFactor: number;
  /** Valid checks after a failed one whose score is damped (cold caches, new connections). */
  recoveryChecks: number;
  /** Recent phase vectors the phase forest is grown on, its trees, and the checks between two growths. */
  phaseWindow: number;
  phaseTrees: number;
  phaseRefitEvery: number;
  components: AnomalyComponents;
}

/** What the constructor takes: any option, and any subset of the components. */
export type AnomalyDetectorSettings = Partial<Omit<AnomalyDetectorOptions, 'components'>> & { components?: Partial<AnomalyComponents> };

export const DEFAULT_ANOMALY_DETECTOR_OPTIONS: Readonly<AnomalyDetectorOptions> = Object.freeze({
  seed: 0x5eed,
  scaleChecks: 8,
  kneeFraction: 0.1,
  likelihoodHistory: 256,
  likelihoodMinHistory: 8,
  levelHistory: 128,
  levelShort: 1,
  robustRecent: 5,
  robustAlertSurprise: 15,
  fullScoreSurprise: 2.05,
  calibrationHistory: 1024,
  calibrationPrior: 500,
  lengthCorrection: 0.5,
  dampingDecay: 0.97,
  dampingFactor: 0.45,
  recoveryChecks: 2,
  phaseWindow: 128,
  phaseTrees: 16,
  phaseRefitEvery: 1024,
  components: Object.freeze({
    valueScale: true,
    level: true,
    rawLevel: true,
    robustLevel: true,
    phaseForest: true,
    phaseShares: true,
    calibration: true,
    sparseAlerts: true,
  }),
});

/** The phase forest, the likelihood of its scores and their calibration. */
interface PhaseChannel {
  forest: PhaseForest;
  /** One likelihood per phase, over the phase's share of the check's total. */
  shares: AnomalyLikelihood[];
  likelihood: AnomalyLikelihood;
  calibration: SurpriseCalibration;
}

export class AnomalyDetector {
  private readonly options: AnomalyDetectorOptions;
  private readonly valueScale: ValueScale;
  private readonly levelLikelihood: AnomalyLikelihood;
  private readonly rawLevelLikelihood: AnomalyLikelihood;
  private readonly robustLevel: RobustLevel;
  /** Made at the first check with phase timings, so targets without them (TCP, DNS) do not carry it. */
  private phaseChannel: PhaseChannel | null = null;
  private unusual: UnusualPhase | undefined;
  private readonly calibration: SurpriseCalibration;
  private readonly surprises = new Float64Array(ANOMALY_CHANNELS.length);
  private dampingReference = 0;
  private recovering = 0;
  private validChecks = 0;

  constructor(options: AnomalyDetectorSettings = {}) {
    this.options = {
      ...DEFAULT_ANOMALY_DETECTOR_OPTIONS,
      ...options,
      components: { ...DEFAULT_ANOMALY_DETECTOR_OPTIONS.components, ...options.components },
    };
    const o = this.options;
    // The phase channel is made at the first check with phases; its likelihood's history is checked now.
    if (!(
      o.scaleChecks >= 1 &&
      o.fullScoreSurprise > 0 &&
      o.dampingFactor >= 0 &&
      o.dampingFactor <= 1 &&
      o.robustAlertSurprise > 0 &&
      o.likelihoodHistory >= 2
    )) {
      throw new Error(
        'Anomaly detector options out of range: scaleChecks >= 1, fullScoreSurprise > 0, robustAlertSurprise > 0, likelihoodHistory >= 2, dampingFactor in [0, 1].',
      );
    }
    this.valueScale = new ValueScale({ decideAfter: o.scaleChecks, kneeFraction: o.kneeFraction });
    this.calibration = new SurpriseCalibration({ historySize: o.calibrationHistory, priorWeight: o.calibrationPrior });
    const levelOptions = {
      historySize: o.levelHistory,
      shortSize: o.levelShort,
      minHistory: o.likelihoodMinHistory,
      minDeviation: 1e-9,
      twoSided: true,
    };
    this.levelLikelihood = new AnomalyLikelihood(levelOptions);
    this.rawLevelLikelihood = new AnomalyLikelihood(levelOptions);
    this.robustLevel = new RobustLevel({
      historySize: o.levelHistory,
      recentSize: o.robustRecent,
      minHistory: Math.max(o.likelihoodMinHistory, o.robustRecent),
    });
  }

  /** Scores one check; call in check order. Returns a number in [0, 1]. */
  score(sample: AnomalySample): number {
    const { value } = sample;
    if (value === null || !Number.isFinite(value)) {
      this.recovering = this.options.recoveryChecks;
      return 0;
    }
    const { components } = this.options;
    this.surprises.fill(0);
    let y = value;
    if (components.valueScale) {
      this.valueScale.observe(value);
      if (this.valueScale.collecting) return 0;
      // A series that looked positive turns out to be signed: from now on it is read linearly.
      if (value < 0 && this.valueScale.decided && !this.valueScale.signed) this.valueScale.makeSigned(Math.abs(value) * 2);
      y = this.valueScale.transform(value);
    }

    if (components.level) this.surprises[0] = this.levelLikelihood.update(y);
    if (components.rawLevel) this.surprises[1] = this.rawLevelLikelihood.update(value);
    if (components.robustLevel) this.surprises[2] = this.robustLevel.update(value);

    this.validChecks++;
    let surprise = Math.max(this.surprises[0]!, this.surprises[1]!);
    if (components.calibration) surprise = this.calibration.update(surprise);
    this.unusual = undefined;
    if ((components.phaseForest || components.phaseShares) && sample.phases) {
      const channel = (this.phaseChannel ??= this.createPhaseChannel());
      const phases = sample.phases;
      let phaseSurprise = 0;
      let sharePhase: Phase | undefined;
      if (components.phaseForest) {
        const forestScore = channel.forest.update(phases);
        if (!Number.isNaN(forestScore)) phaseSurprise = channel.likelihood.update(forestScore);
      }
      if (components.phaseShares) {
        const total = PHASES.reduce((sum, phase) => sum + phases[phase], 0);
        if (total > 0 && Number.isFinite(total)) {
          PHASES.forEach((phase, i) => {
            const shareSurprise = channel.shares[i]!.update(phases[phase] / total);
            if (shareSurprise > phaseSurprise) {
              phaseSurprise = shareSurprise;
              sharePhase = phase;
            }
          });
        }
      }
      this.surprises[3] = phaseSurprise;
      // Calibrated apart: a target's phases have their own heavy tail (a DNS cache miss now and then).
      if (components.calibration) phaseSurprise = channel.calibration.update(phaseSurprise);
      if (phaseSurprise > surprise) {
        surprise = phaseSurprise;
        // The phase whose share surprised most; when the forest spoke louder, the naming rule's pick.
        this.unusual = sharePhase
          ? { phase: sharePhase, factor: channel.forest.shareFactor(phases, sharePhase) }
          : channel.forest.unusualPhase(phases);
      }
    }
    // Over n checks, about n x p of them reach a tail probability p by chance: a long-watched
    // target needs a rarer event to alert than a new one, so the false alarms per event stay level.
    const corrected = surprise - this.options.lengthCorrection * Math.log10(this.validChecks);
    let score = Math.max(0, Math.min(1, corrected / this.options.fullScoreSurprise));
    // The robust level is scored at its own fixed bar, neither calibrated nor corrected for the
    // checks seen: the series where it matters (crash counts, error bursts) have frequent
    // events, which the calibration would learn to find usual. When it outscores the rest, it is
    // the total that is unusual, not the mix of phases.
    const robustScore = Math.min(1, this.surprises[2]! / (2 * this.options.robustAlertSurprise));
    if (robustScore > score) {
      score = robustScore;
      this.unusual = undefined;
    }
    if (this.recovering > 0) {
      // The first checks after an outage pay for cold caches and new connections.
      this.recovering--;
      score *= this.options.dampingFactor;
    }
    return this.damp(score);
  }

  /** Forgets everything learned, as after the target's URL changed. */
  reset(): void {
    this.valueScale.reset();
    this.levelLikelihood.reset();
    this.rawLevelLikelihood.reset();
    this.robustLevel.reset();
    this.phaseChannel = null;
    this.unusual = undefined;
    this.calibration.reset();
    this.surprises.fill(0);
    this.dampingReference = 0;
    this.recovering = 0;
    this.validChecks = 0;
  }

  /** For the last valid check, when its phases were what made it unusual: the phase whose share stands out, and by what factor. */
  lastUnusualPhase(): UnusualPhase | undefined {
    return this.unusual;
  }

  /** Each channel's surprise for the last valid check (0 for a channel that did not speak): why it scored what it did. */
  lastSurprises(): Record<AnomalyChannel, number> {
    return Object.fromEntries(ANOMALY_CHANNELS.map((name, i) => [name, this.surprises[i]!])) as Record<AnomalyChannel, number>;
  }

  /** Bytes held by every array the detector keeps; bounded by the options, whatever the number of checks. */
  get byteSize(): number {
    return (
      this.levelLikelihood.byteSize +
      this.rawLevelLikelihood.byteSize +
      this.robustLevel.byteSize +
      (this.phaseChannel
        ? this.phaseChannel.forest.byteSize + this.phaseChannel.likelihood.byteSize + this.phaseChannel.calibration.byteSize
        : 0) +
      this.calibration.byteSize +
      this.surprises.byteLength +
      8 * this.options.scaleChecks
    );
  }

  private createPhaseChannel(): PhaseChannel {
    const o = this.options;
    return {
      forest: new PhaseForest({
        window: o.phaseWindow,
        subsampleSize: PHASE_FOREST_SUBSAMPLE,
        treeCount: o.phaseTrees,
        refitEvery: o.phaseRefitEvery,
        minRows: o.likelihoodMinHistory * 4,
        seed: o.seed,
      }),
      // Forest scores sit in a narrow band around 0.4 to 0.5: a floor of a hundredth keeps a target
      // whose phases never vary from calling the next small difference rare.
      likelihood: new AnomalyLikelihood({
        historySize: o.likelihoodHistory,
        shortSize: PHASE_SHORT,
        minHistory: o.likelihoodMinHistory,
        minDeviation: 0.01,
      }),
      // A share moves between 0 and 1: a floor of a hundredth of the total keeps a phase that is
      // always the same share from calling the next small wobble rare.
      shares: PHASES.map(
        () =>
          new AnomalyLikelihood({
            historySize: o.levelHistory,
            shortSize: PHASE_SHORT,
            minHistory: o.likelihoodMinHistory,
            minDeviation: 0.01,
          }),
      ),
      calibration: new SurpriseCalibration({ historySize: o.calibrationHistory, priorWeight: o.calibrationPrior }),
    };
  }

  private damp(score: number): number {
    if (!this.options.components.sparseAlerts) return score;
    const reference = this.dampingReference;
    this.dampingReference = Math.max(score, reference * this.options.dampingDecay);
    return score <= reference ? score * this.options.dampingFactor : score;
  }
}
