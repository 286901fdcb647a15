/**
 * One detector per target, created on a target's first check and kept in least-recently-scored
 * order, so memory stays bounded (about 12 KiB a detector, about 40 KiB with the phase forest of HTTPS checks; see the bench) however many targets
 * come and go.
 */
import { AnomalyDetector, type AnomalyDetectorSettings, type AnomalySample } from './anomalyDetector';
import type { UnusualPhase } from './phaseForest';
import { seedFromText } from './seededRandom';

export interface AnomalyDetectorRegistryOptions {
  /** Detectors kept at most; the one scored least recently is dropped (it relearns if its target comes back). */
  maxDetectors: number;
  detector: AnomalyDetectorSettings;
}

export const DEFAULT_MAX_DETECTORS = 2000;

export class AnomalyDetectorRegistry {
  private readonly detectors = new Map<string, AnomalyDetector>();
  private readonly maxDetectors: number;
  private readonly settings: AnomalyDetectorSettings;

  constructor(options: Partial<AnomalyDetectorRegistryOptions> = {}) {
    this.maxDetectors = options.maxDetectors ?? DEFAULT_MAX_DETECTORS;
    if (!Number.isInteger(this.maxDetectors) || this.maxDetectors < 1) {
      throw new Error(`maxDetectors must be a whole number of at least 1 (got ${this.maxDetectors}).`);
    }
    this.settings = options.detector ?? {};
  }

  get size(): number {
    return this.detectors.size;
  }

  has(targetId: string): boolean {
    return this.detectors.has(targetId);
  }

  /** Scores the target's next check with its own detector (seeded from its id, so runs repeat). */
  score(targetId: string, sample: AnomalySample): number {
    let detector = this.detectors.get(targetId);
    if (detector) {
      // Re-inserting moves the entry to the end: Map keeps insertion order, the oldest comes first.
      this.detectors.delete(targetId);
    } else {
      detector = new AnomalyDetector({ seed: seedFromText(targetId), ...this.settings });
      if (this.detectors.size >= this.maxDetectors) {
        const oldest = this.detectors.keys().next();
        if (!oldest.done) this.detectors.delete(oldest.value);
      }
    }
    this.detectors.set(targetId, detector);
    return detector.score(sample);
  }

  /** For the target's last scored check, the phase that made it unusual, when its phases did. */
  lastUnusualPhase(targetId: string): UnusualPhase | undefined {
    return this.detectors.get(targetId)?.lastUnusualPhase();
  }

  /** Forgets a target's learned behaviour (target removed, or its URL changed). */
  forget(targetId: string): void {
    this.detectors.delete(targetId);
  }

  /** Drops detectors of targets no longer configured. */
  retain(targetIds: Iterable<string>): void {
    const keep = new Set(targetIds);
    for (const id of [...this.detectors.keys()]) if (!keep.has(id)) this.detectors.delete(id);
  }

  dispose(): void {
    this.detectors.clear();
  }
}
