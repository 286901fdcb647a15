/**
 * The monitoring engine as the extension and the CLI use it: the scheduler checks, each counted
 * check is scored by its target's anomaly detector, located, recorded in the history, and
 * published as one `RecordedCheck` for the views, the notifications and the API.
 */
import { DEFAULT_ANOMALY_THRESHOLD, type AnomalyDetectorSettings } from './anomaly/anomalyDetector';
import { AnomalyDetectorRegistry } from './anomaly/anomalyDetectorRegistry';
import type { Disposable } from './disposable';
import { Emitter, type Event } from './events';
import type { GeoLocation } from '../shared/geoLocation';
import type { GeoLocator } from './geo/geoLocator';
import type { CheckResult } from './probes/checkResult';
import type { Scheduler } from './scheduler/scheduler';
import type { CheckCompletedEvent, MonitorEvent, StateChangedEvent, TargetState, WarningEvent } from './scheduler/monitorEvent';
import type { CheckRecord } from './store/checkRecord';
import type { HistoryStore } from './store/historyStore';
import type { Target } from './targets/target';

export interface RecordedCheck {
  target: Target;
  record: CheckRecord;
  /** The target's state after this check. */
  state: TargetState;
  /** The score reached the anomaly threshold. */
  anomalous: boolean;
}

export interface MonitorEngineOptions {
  scheduler: Scheduler;
  /** Where checks are recorded; absent when history is not kept (a one-off run). */
  store?: HistoryStore;
  /** Locates servers; absent when location is not wanted. */
  geo?: GeoLocator;
  anomalyThreshold?: number;
  detectorSettings?: AnomalyDetectorSettings;
  /** Hears problems the engine works around (a location lookup failed...). */
  onProblem?: (message: string) => void;
}

/** Locations are looked up once per address; the cache is bounded. */
const MAX_CACHED_LOCATIONS = 4096;

export class MonitorEngine implements Disposable {
  private readonly recordedEmitter = new Emitter<RecordedCheck>();
  /** Every counted check, scored, located and recorded. */
  readonly onDidRecordCheck: Event<RecordedCheck> = this.recordedEmitter.event;
  /** The scheduler's own events (state changes, alerts, recoveries, flapping, certificates, warnings). */
  readonly onEvent: Event<MonitorEvent>;

  private readonly scheduler: Scheduler;
  private readonly store: HistoryStore | undefined;
  private readonly geo: GeoLocator | undefined;
  private readonly onProblem: (message: string) => void;
  private readonly detectors: AnomalyDetectorRegistry;
  /** The URL each target's detector learned, so a changed URL starts learning afresh. */
  private readonly learnedUrls = new Map<string, string>();
  private readonly locations = new Map<string, Promise<GeoLocation | null>>();
  private readonly subscription: Disposable;
  private anomalyThreshold: number;
  private pendingRecords = new Set<Promise<void>>();
  private disposed = false;

  constructor(options: MonitorEngineOptions) {
    this.scheduler = options.scheduler;
    this.store = options.store;
    this.geo = options.geo;
    this.anomalyThreshold = options.anomalyThreshold ?? DEFAULT_ANOMALY_THRESHOLD;
    this.detectors = new AnomalyDetectorRegistry({ detector: options.detectorSettings });
    this.onProblem = options.onProblem ?? (() => {});
    this.onEvent = this.scheduler.onEvent;
    this.subscription = this.scheduler.onEvent((event) => this.handle(event));
  }

  get threshold(): number {
    return this.anomalyThreshold;
  }

  setAnomalyThreshold(threshold: number): void {
    this.anomalyThreshold = threshold;
  }

  /** Forgets cached locations, e.g. after the online lookup was switched on or off. */
  clearLocationCache(): void {
    this.locations.clear();
  }

  /** Replaces the monitored targets; returns warnings for the user (very short intervals...). */
  setTargets(targets: readonly Target[]): WarningEvent[] {
    this.detectors.retain(targets.map((target) => target.id));
    for (const target of targets) {
      const learned = this.learnedUrls.get(target.id);
      if (learned !== undefined && learned !== target.url) this.detectors.forget(target.id);
      this.learnedUrls.set(target.id, target.url);
    }
    for (const target of targets) this.store?.upsertTarget({ id: target.id, url: target.url, name: target.name });
    return this.scheduler.setTargets(targets);
  }

  /** Resolves once every check completed so far is recorded (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pendingRecords.size > 0) await Promise.all(this.pendingRecords);
  }

  private handle(event: MonitorEvent): void {
    if (this.disposed) return;
    if (event.type === 'checkCompleted') this.track(this.record(event));
    else if (event.type === 'stateChanged') this.recordStateChange(event);
  }

  private track(work: Promise<void>): void {
    this.pendingRecords.add(work);
    void work.finally(() => this.pendingRecords.delete(work));
  }

  private async record(event: CheckCompletedEvent): Promise<void> {
    const { target, result, state } = event;
    // What a service does during maintenance says nothing of its normal response times.
    const anomalyScore = event.maintenance ? null : this.score(target, result);
    const location = await this.locate(result.addresses[0]);
    if (this.disposed) return;
    const record: CheckRecord = { ...result, anomalyScore, location, ...(event.maintenance ? { maintenance: true } : {}) };
    try {
      this.store?.append(record);
    } catch (error) {
      this.onProblem(`Could not record a check of ${target.name}: ${(error as Error).message}`);
    }
    this.recordedEmitter.fire({ target, record, state, anomalous: anomalyScore !== null && anomalyScore >= this.anomalyThreshold });
  }

  /** Failed checks are not response times: the detector treats them explicitly (never as 0 ms). */
  private score(target: Target, result: CheckResult): number | null {
    const answered = result.status !== 'DOWN';
    const score = this.detectors.score(target.id, {
      time: result.startedAt,
      value: answered ? result.totalMs : null,
      phases: result.phases,
    });
    return answered ? score : null;
  }

  private locate(address: string | undefined): Promise<GeoLocation | null> {
    if (!address || !this.geo) return Promise.resolve(null);
    let location = this.locations.get(address);
    if (!location) {
      location = this.geo.locate(address).catch((error: unknown) => {
        this.onProblem(`Could not locate ${address}: ${(error as Error).message}`);
        this.locations.delete(address);
        return null;
      });
      if (this.locations.size >= MAX_CACHED_LOCATIONS) this.locations.delete(this.locations.keys().next().value!);
      this.locations.set(address, location);
    }
    return location;
  }

  private recordStateChange(event: StateChangedEvent): void {
    if (!this.store) return;
    const message =
      event.result?.message ?? (event.to === 'PAUSED' ? 'Paused by the user.' : event.from === 'PAUSED' ? 'Resumed by the user.' : '');
    try {
      this.store.recordStateChange({
        targetId: event.target.id,
        at: event.result?.startedAt ?? Date.now(),
        from: event.from,
        to: event.to,
        reason: event.result?.reason ?? null,
        message,
      });
    } catch (error) {
      this.onProblem(`Could not record a state change of ${event.target.name}: ${(error as Error).message}`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.subscription.dispose();
    this.recordedEmitter.dispose();
    this.detectors.dispose();
    this.learnedUrls.clear();
    this.locations.clear();
  }
}
