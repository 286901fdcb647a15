/**
 * The streaming anomaly detector: one per target (or per series fed to `anomaly-score`), fed every
 * check in order, returning a score in [0, 1] from that check and the past only. It is told
 * nothing about the series (no unit, no range, no length of a learning period): response times
 * seconds apart, minute and hour metrics of any unit and monthly economic figures all go through
 * the same steps. They are the ones published detectors share because they carry across real data
 * (see ARCHITECTURE.md, "The anomaly detector"); bench/anomaly.bench.ts shows what each is worth on
 * real labelled series, and a step that gained nothing there is not here.
 *
 *   1. Two channels, each a Gaussian tail of a recent mean against a longer history (Numenta's
 *      anomaly likelihood, Ahmad et al. 2017), giving a surprise, -log10 of the tail probability:
 *        level       the value itself against the Gaussian of the recent values, both ways: the
 *                    rolling z-score, which catches a level shift from its first check;
 *        prediction  how badly an EWMA forecaster predicted the value, in units of its own
 *                    typical error (PredictionError), against the history of those errors: a
 *                    noisy target needs a larger miss than a quiet one.
 *   2. Calibration (SurpriseCalibration): the largest surprise is checked against how often this
 *      target has reached it before, so heavy-tailed series (most response times) do not alert on
 *      every blip a Gaussian calls rare.
 *   3. Checks seen: over n checks about n x p of them reach a tail probability p by chance, so the
 *      surprise needed grows by `lengthCorrection` per decade of checks.
 *   4. Sparse alerting: a score that does not exceed the recent ones counts for less, so one event
 *      gives one alert rather than one per check, and the first checks after an outage are damped.
 *
 * The score is the corrected surprise over `fullScoreSurprise`, capped at 1; the default threshold
 * 0.5 and `fullScoreSurprise` were chosen on the tuning halves of the real labelled series.
 *
 * Values are taken as they come, in their own unit: both channels are ratios (a z-score, an error
 * over the typical error), so a series in milliseconds and the same in seconds score alike.
 *
 * Failed checks (value null) never enter the statistics: they score 0, since the scheduler already
 * reports them as DOWN, and they leave the learned state untouched.
 *
 * Measured on the Cloud Monitoring tuning half and left out: an asinh value transform (logarithmic
 * for values that vary by factors; it cost 8 points there and on the generated set), novelty
 * against a decaying range of past values (more false alarms than windows found), and the
 * nearest-neighbour distance of the recent window among past windows as a conformal rank (KNN-CAD;
 * it changed nothing: its rank cannot reach the surprise a long series needs). See the bench for
 * the numbers.
 *
 * No isolation forest on the value: on the real labelled series an isolation forest over the
 * recent values (the bench's percentile-rank baseline) scores far below this detector, and an
 * isolation forest channel added to it lowered the held-out score.
 */
import type { PhaseTimings } from '../probes/checkResult';
import { AnomalyLikelihood } from './anomalyLikelihood';
import { PredictionError } from './predictionError';
import { SurpriseCalibration } from './surpriseCalibration';

/** A score at or above this marks the check anomalous (the default of the product's setting). */
export const DEFAULT_ANOMALY_THRESHOLD = 0.5;

export interface AnomalySample {
  /** When the check started, epoch milliseconds. May repeat or step back; NaN keeps the last time. */
  time: number;
  /** Response time in milliseconds (or any measured value); null for a failed check. */
  value: number | null;
  /** Accepted for the engine's convenience; the score is computed from the value alone. */
  phases?: PhaseTimings;
}

export const ANOMALY_CHANNELS = ['level', 'prediction'] as const;
export type AnomalyChannel = (typeof ANOMALY_CHANNELS)[number];

/** Steps that can be switched off, to measure what each one is worth. */
export interface AnomalyComponents {
  /** The level likelihood: the recent mean of the values against the Gaussian of a longer history of them. */
  level: boolean;
  /** Calibration of the surprise against this target's own history of surprises. */
  calibration: boolean;
  /** The EWMA forecaster's error through the anomaly likelihood. */
  prediction: boolean;
  /** Damping of scores that do not exceed the recent ones. */
  sparseAlerts: boolean;
}

export interface AnomalyDetectorOptions {
  /** Kept so settings written for earlier versions still construct; nothing here is random. */
  seed: number;
  levelWeight: number;
  errorWeight: number;
  /** Level updates clipped to this many typical errors. */
  updateClip: number;
  /** Raw scores capped here. */
  rawCap: number;
  /** Prediction errors behind the prediction likelihood's Gaussian. */
  likelihoodHistory: number;
  /** Scores needed before a likelihood speaks. */
  likelihoodMinHistory: number;
  /** Values behind the level likelihood's Gaussian, and in its recent mean. */
  levelHistory: number;
  levelShort: number;
  /** Prediction errors averaged into the prediction likelihood's recent mean. */
  predictionShort: number;
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
  components: AnomalyComponents;
}

/** What the constructor takes: any option, and any subset of the components. */
export type AnomalyDetectorSettings = Partial<Omit<AnomalyDetectorOptions, 'components'>> & { components?: Partial<AnomalyComponents> };

export const DEFAULT_ANOMALY_DETECTOR_OPTIONS: Readonly<AnomalyDetectorOptions> = Object.freeze({
  seed: 0x5eed,
  levelWeight: 0.3,
  errorWeight: 0.1,
  updateClip: 3,
  rawCap: 10,
  likelihoodHistory: 512,
  likelihoodMinHistory: 8,
  levelHistory: 256,
  levelShort: 1,
  predictionShort: 1,
  fullScoreSurprise: 1.8,
  calibrationHistory: 1024,
  calibrationPrior: 500,
  lengthCorrection: 0.5,
  dampingDecay: 0.97,
  dampingFactor: 0.45,
  recoveryChecks: 2,
  components: Object.freeze({
    level: true,
    prediction: true,
    calibration: true,
    sparseAlerts: true,
  }),
});

export class AnomalyDetector {
  private readonly options: AnomalyDetectorOptions;
  private readonly prediction: PredictionError;
  private readonly levelLikelihood: AnomalyLikelihood;
  private readonly predictionLikelihood: AnomalyLikelihood;
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
    if (!(o.fullScoreSurprise > 0 && o.dampingFactor >= 0 && o.dampingFactor <= 1)) {
      throw new Error('Anomaly detector options out of range: fullScoreSurprise > 0, dampingFactor in [0, 1].');
    }
    this.prediction = new PredictionError({
      levelWeight: o.levelWeight,
      errorWeight: o.errorWeight,
      updateClip: o.updateClip,
      rawCap: o.rawCap,
    });
    this.levelLikelihood = new AnomalyLikelihood({
      historySize: o.levelHistory,
      shortSize: o.levelShort,
      minHistory: o.likelihoodMinHistory,
      minDeviation: 1e-9,
      twoSided: true,
    });
    // Errors are in units of the typical error: a floor of a twentieth of one keeps a run of
    // perfect predictions (a constant series) from making the next small miss a rare event.
    this.predictionLikelihood = new AnomalyLikelihood({
      historySize: o.likelihoodHistory,
      shortSize: o.predictionShort,
      minHistory: o.likelihoodMinHistory,
      minDeviation: 0.05,
    });
    this.calibration = new SurpriseCalibration({ historySize: o.calibrationHistory, priorWeight: o.calibrationPrior });
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
    // The forecaster always learns, so switching the channel off in the bench changes nothing else.
    const error = this.prediction.update(value);
    if (components.level) this.surprises[0] = this.levelLikelihood.update(value);
    if (components.prediction) this.surprises[1] = this.predictionLikelihood.update(error);

    this.validChecks++;
    let surprise = Math.max(...this.surprises);
    if (components.calibration) surprise = this.calibration.update(surprise);
    // Over n checks, about n x p of them reach a tail probability p by chance: a long-watched
    // target needs a rarer event to alert than a new one, so the false alarms per event stay level.
    const corrected = surprise - this.options.lengthCorrection * Math.log10(this.validChecks);
    let score = Math.max(0, Math.min(1, corrected / this.options.fullScoreSurprise));
    if (this.recovering > 0) {
      // The first checks after an outage pay for cold caches and new connections.
      this.recovering--;
      score *= this.options.dampingFactor;
    }
    return this.damp(score);
  }

  /** Forgets everything learned, as after the target's URL changed. */
  reset(): void {
    this.prediction.reset();
    this.levelLikelihood.reset();
    this.predictionLikelihood.reset();
    this.calibration.reset();
    this.surprises.fill(0);
    this.dampingReference = 0;
    this.recovering = 0;
    this.validChecks = 0;
  }

  /** Each channel's surprise for the last valid check (0 for a channel that did not speak): why it scored what it did. */
  lastSurprises(): Record<AnomalyChannel, number> {
    return Object.fromEntries(ANOMALY_CHANNELS.map((name, i) => [name, this.surprises[i]!])) as Record<AnomalyChannel, number>;
  }

  /** Bytes held by every array the detector keeps; bounded by the options, whatever the number of checks. */
  get byteSize(): number {
    return this.levelLikelihood.byteSize + this.predictionLikelihood.byteSize + this.calibration.byteSize + this.surprises.byteLength;
  }

  private damp(score: number): number {
    if (!this.options.components.sparseAlerts) return score;
    const reference = this.dampingReference;
    this.dampingReference = Math.max(score, reference * this.options.dampingDecay);
    return score <= reference ? score * this.options.dampingFactor : score;
  }
}
