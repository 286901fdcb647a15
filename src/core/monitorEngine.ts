/**
 * The monitoring engine as the extension and the CLI use it: the scheduler checks, each counted
 * check is scored by its target's anomaly detector, located, recorded in the history, and
 * published as one `RecordedCheck` for the views, the notifications and the API. Both composition
 * roots build it with `createMonitorEngine`, and drive the scheduler only through the engine.
 */
import { DEFAULT_ANOMALY_THRESHOLD, type AnomalyDetectorSettings } from './anomaly/anomalyDetector';
import { AnomalyDetectorRegistry } from './anomaly/anomalyDetectorRegistry';
import type { Disposable } from './disposable';
import { Emitter, type Event } from './events';
import type { GeoLocation } from '../shared/geoLocation';
import type { GeoLocator } from './geo/geoLocator';
import type { CheckResult } from './probes/checkResult';
import { Scheduler, type SchedulerOptions, type SchedulerSettings } from './scheduler/scheduler';
import type { CheckCompletedEvent, MonitorEvent, StateChangedEvent, TargetState, WarningEvent } from './scheduler/monitorEvent';
import type { CheckRecord } from './store/checkRecord';
import type { HistoryStore } from './store/historyStore';
import type { Target } from './targets/target';

/** What a Check Now gave: the engine's, a window's (which may ask the recording window) and the API's. */
export type CheckNowOutcome =
  /** Checked, and recorded in the history. */
  | { kind: 'checked'; result: CheckResult }
  /** A reading window checked on its own, because no recording window would: nothing recorded it. */
  | { kind: 'checked-unrecorded'; result: CheckResult }
  | { kind: 'unknown-target' }
  /** This process cannot run checks (another VS Code window holds the writer lease and no forwarding was given). */
  | { kind: 'not-writer' }
  /** The check was abandoned: the target was paused or removed, or monitoring stopped. */
  | { kind: 'abandoned' };

export interface RecordedCheck {
  target: Target;
  record: CheckRecord;
  /** The target's state after this check. */
  state: TargetState;
  /** The score reached the anomaly threshold. */
  anomalous: boolean;
}

export interface MonitorEngineOptions {
  /** The engine's own: it is disposed with the engine. */
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

export interface CreateMonitorEngineOptions extends Omit<MonitorEngineOptions, 'scheduler'> {
  /** Runs one check of a target (the prober's). */
  runCheck: SchedulerOptions['runCheck'];
  /** The scheduler's settings and clock; what is left out keeps its default. */
  scheduler?: Omit<SchedulerOptions, 'runCheck'>;
}

/** The engine over a scheduler of its own, which it starts, stops and disposes. */
export function createMonitorEngine(options: CreateMonitorEngineOptions): MonitorEngine {
  const { runCheck, scheduler, ...engine } = options;
  return new MonitorEngine({ ...engine, scheduler: new Scheduler({ ...scheduler, runCheck }) });
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

  /** Starts the checks on each target's slots. */
  start(): void {
    this.scheduler.start();
  }

  /**
   * Checks a target now, outside its slots (counted and recorded like any other check); resolves
   * undefined for an unknown target or an abandoned check.
   */
  checkNow(id: string): Promise<CheckResult | undefined> {
    return this.scheduler.checkNow(id);
  }

  /** A target's live state; undefined for an unknown target. */
  state(id: string): TargetState | undefined {
    return this.scheduler.state(id);
  }

  /** Changes the scheduler's settings (retries, alert threshold, reminders...) from now on. */
  updateSettings(changes: Partial<SchedulerSettings>): void {
    this.scheduler.updateSettings(changes);
  }

  /**
   * Stops checking: no check starts after this and the running ones are abandoned; `settled`
   * still waits for what was completed to be recorded. `dispose` stops it too.
   */
  stop(): void {
    this.scheduler.dispose();
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
    const anomalous = anomalyScore !== null && anomalyScore >= this.anomalyThreshold;
    // Read before the wait below, while the detector's last check is this one. Kept with the
    // record, so the history shows it after a reload and in the windows that read it.
    const unusualPhase = anomalous ? this.detectors.lastUnusualPhase(target.id) : undefined;
    const location = await this.locate(result.addresses[0]);
    if (this.disposed) return;
    const record: CheckRecord = {
      ...result,
      anomalyScore,
      location,
      ...(event.maintenance ? { maintenance: true } : {}),
      ...(unusualPhase ? { unusualPhase } : {}),
    };
    try {
      this.store?.append(record);
    } catch (error) {
      this.onProblem(`Could not record a check of ${target.name}: ${(error as Error).message}`);
    }
    this.recordedEmitter.fire({ target, record, state, anomalous });
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
    this.scheduler.dispose();
    this.recordedEmitter.dispose();
    this.detectors.dispose();
    this.learnedUrls.clear();
    this.locations.clear();
  }
}
