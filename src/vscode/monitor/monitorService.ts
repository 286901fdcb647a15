/**
 * The monitoring of this window as the views see it: its targets, each one's last check and
 * state, and the events they notify of. Which window checks, and how the windows stay in step,
 * is the `WindowCoordinator`'s (core/coordination); this class gives it this window's settings
 * and keeps what the tree, the status bar and the dashboard show, whatever the role.
 */
import { promises as fs } from 'node:fs';
import type * as vscode from 'vscode';
import { WindowCoordinator, type WindowRole } from '../../core/coordination/windowCoordinator';
import type { Disposable } from '../../core/disposable';
import { Emitter, type Event } from '../../core/events';
import { changesOf, type MonitorChange } from '../../core/monitorChanges';
import type { WriterLease } from '../../core/coordination/writerLease';
import { GeoLocator } from '../../core/geo/geoLocator';
import { createMonitorEngine, type MonitorEngine, type RecordedCheck } from '../../core/monitorEngine';
import type { CheckResult } from '../../core/probes/checkResult';
import { Prober } from '../../core/probes/prober';
import type { ProxySettings } from '../../core/probes/proxySettings';
import type { MonitorEvent, TargetState } from '../../core/scheduler/monitorEvent';
import type { SchedulerSettings } from '../../core/scheduler/scheduler';
import type { ApprovedEntries } from '../../core/targets/workspaceEntryPolicy';
import type { CheckRecord } from '../../core/store/checkRecord';
import {
  type HistoryReader,
  type HistoryStore,
  latestChecks,
  type RetentionPolicy,
  type StoreProblem,
  type StoreStatus,
} from '../../core/store/historyStore';
import { SqlJsHistoryStore } from '../../core/store/sqlJsHistoryStore';
import type { MonitorSettings, MonitorSettingsValues, SettingsArea } from '../config/monitorSettings';
import type { ConfiguredTarget, SecretLookup } from '../config/targetEntries';
import { publishTargets, resolvePublishedTarget } from './publishedTargets';

export type MonitorRole = WindowRole;

/**
 * What the views and the local API show for one target: its state (the scheduler's own in the
 * checking window; in a reading window, what its last check in the history tells), the entry
 * from the settings, and the last check with its score and location.
 */
export interface TargetSnapshot extends TargetState {
  configured: ConfiguredTarget;
  /** The last counted check with its score and location, from this window or from the history. */
  lastRecord: CheckRecord | undefined;
}

export interface MonitorServiceOptions {
  storageDirectory: string;
  wasmPath: string;
  geoDatabasePath: string;
  settings: MonitorSettings;
  log: vscode.LogOutputChannel;
  /** Told once per store problem (a corrupt file moved aside, the disk full...). */
  onStoreProblem: (problem: StoreProblem) => void;
  /** How often the writer renews its lease and every window its published targets (default 5 s). */
  leaseHeartbeatMs?: number;
  /**
   * Resolves `${secret:NAME}` in the headers of targets other windows publish (the secret storage
   * is shared by all windows). Without it, such targets are not checked for the other window.
   */
  secretLookup?: SecretLookup;
  /** The user's approvals of workspace entries, for targets other windows publish; none by default. */
  approvedEntries?: ApprovedEntries;
  /** The proxy for HTTP(S) checks, asked on every check; none by default. */
  proxy?: () => ProxySettings;
  /** Whether HTTPS checks also trust the system's certificate store (http.systemCertificates), asked on every check. */
  systemCertificates?: () => boolean;
}

const DAY_MS = 86_400_000;

/**
 * What a window that does not run the checks knows of a target's state: its last check in the
 * history (1 failure in a row for a failed one), nothing planned, nothing running.
 */
export function stateFromLastCheck(targetId: string, lastRecord: CheckRecord | undefined): TargetState {
  return {
    targetId,
    status: lastRecord?.status ?? 'UNKNOWN',
    consecutiveFailures: lastRecord?.status === 'DOWN' ? 1 : 0,
    lastResult: lastRecord ?? null,
    statusSince: null,
    downSince: null,
    alerting: false,
    flapping: false,
    maintenance: false,
    nextCheckAt: null,
    checking: false,
  };
}

export class MonitorService implements vscode.Disposable {
  /**
   * The one stream of this window's monitoring changes (`core/monitorChanges.ts`), fired once per
   * change: by the window's sessions in core, and here for what this service reads of the history.
   * The events below are selections of it, for the views.
   */
  private readonly changes: Emitter<MonitorChange>;
  readonly onDidChange: Event<MonitorChange>;
  /** A target's snapshot changed (a check, a state change, newer history). */
  readonly onDidChangeTarget: Event<string>;
  /** Targets were added, removed or edited. */
  readonly onDidChangeTargets: Event<void>;
  /**
   * The scheduler's events for this window's targets, in the writer window; in a reader window,
   * the alerts the writer passes on for targets that only this window's settings define. One
   * window notifies of each target.
   */
  readonly onEvent: Event<MonitorEvent>;
  /** Every check this window recorded (writer), scored and located. */
  readonly onDidRecordCheck: Event<RecordedCheck>;
  readonly onDidChangeRole: Event<MonitorRole>;

  private configured: readonly ConfiguredTarget[] = [];
  private readonly lastRecords = new Map<string, CheckRecord>();
  /** The last reading of the history's last checks, while it runs. */
  private loadingLatest: Promise<void> = Promise.resolve();
  private readonly coordinator: WindowCoordinator;
  /** The writer's location lookup, told when the geo settings change. */
  private geo: GeoLocator | undefined;
  private readonly prober: Prober;
  private readonly settingsSubscription: vscode.Disposable;
  private readonly subscription: Disposable;
  private disposing: Promise<void> | undefined;

  constructor(private readonly options: MonitorServiceOptions) {
    const { log } = options;
    this.changes = new Emitter<MonitorChange>({ onListenerError: (error) => log.error(`A view failed on a monitoring change: ${error}`) });
    const changes = (this.onDidChange = this.changes.event);
    this.onDidChangeTarget = changesOf(changes, (change) => {
      if (change.kind === 'recorded') return [change.recorded.target.id];
      if (change.kind === 'event' && change.event.type === 'stateChanged') return [change.event.target.id];
      return change.kind === 'targetShown' ? [change.targetId] : undefined;
    });
    this.onDidChangeTargets = changesOf(changes, (change) =>
      change.kind === 'targetsListed' || change.kind === 'roleTaken' ? [undefined] : undefined,
    );
    this.onEvent = changesOf(changes, (change) => (change.kind === 'event' ? [change.event] : undefined));
    this.onDidRecordCheck = changesOf(changes, (change) => (change.kind === 'recorded' ? [change.recorded] : undefined));
    this.onDidChangeRole = changesOf(changes, (change) => (change.kind === 'roleChanged' ? [change.role] : undefined));
    this.prober = new Prober({
      ...(options.proxy ? { proxy: options.proxy } : {}),
      trust: { systemCertificates: options.systemCertificates, onProblem: (message) => log.warn(message) },
    });
    this.coordinator = new WindowCoordinator({
      directory: options.storageDirectory,
      heartbeatMs: options.leaseHeartbeatMs,
      openHistory: (lease) => this.openHistory(lease),
      createEngine: (store) => this.createEngine(store),
      prober: this.prober,
      resolvePublished: (published) =>
        resolvePublishedTarget(published, options.secretLookup ?? (async () => undefined), options.approvedEntries),
      // After the last checks asked of the history have come in, so a target with history keeps its slot.
      shownBefore: async (targetId) => {
        await this.loadingLatest;
        return this.lastRecords.has(targetId);
      },
      log,
      changes: this.changes,
    });
    this.settingsSubscription = options.settings.onDidChange((areas) => this.applySettings(areas));
    // Subscribed before any view, so what the views read is up to date when they hear of a change.
    this.subscription = changes((change) => {
      if (change.kind === 'recorded') this.lastRecords.set(change.recorded.target.id, change.recorded.record);
      else if (change.kind === 'historyOpened' || change.kind === 'historyChanged') void this.loadLatestFromHistory();
    });
  }

  get role(): MonitorRole {
    return this.coordinator.role;
  }

  /** The history this window can read: the writer's own store, or a read-only view of it. */
  get history(): HistoryReader | undefined {
    return this.coordinator.history;
  }

  /** The figures of the store this window holds, for the API's health. */
  get historyStatus(): StoreStatus | undefined {
    return this.coordinator.historyStatus;
  }

  get anomalyThreshold(): number {
    return this.options.settings.values.anomaly.threshold;
  }

  /**
   * Contends for the writer lease and opens the history; call after activate() has returned
   * (it loads WebAssembly and reads files). Resolves once this window has a role.
   */
  start(): Promise<void> {
    return this.coordinator.start();
  }

  private openHistory(lease: WriterLease | undefined): Promise<SqlJsHistoryStore> {
    const { storageDirectory: directory, wasmPath, onStoreProblem: onProblem } = this.options;
    const values = this.options.settings.values;
    const retention: Partial<RetentionPolicy> = { rawMs: values.retention.rawDays * DAY_MS, hourMs: values.retention.hourlyDays * DAY_MS };
    return SqlJsHistoryStore.open({ directory, wasmPath, retention, lease, onProblem });
  }

  private async createEngine(store: HistoryStore | undefined): Promise<MonitorEngine> {
    const values = this.options.settings.values;
    this.geo = await this.createGeoLocator(values.geo.onlineLookup);
    return createMonitorEngine({
      runCheck: (target, signal) => this.prober.check(target, signal),
      scheduler: this.schedulerSettings(values),
      store,
      geo: this.geo,
      anomalyThreshold: values.anomaly.threshold,
      onProblem: (message) => this.options.log.warn(message),
    });
  }

  private schedulerSettings(values: MonitorSettingsValues): Partial<SchedulerSettings> {
    return {
      retries: values.defaults.retries,
      alertThreshold: values.defaults.alertThreshold,
      certExpiryDays: values.certificateWarningDays,
      reminderMinutes: values.notifications.reminderMinutes,
    };
  }

  private async createGeoLocator(onlineLookup: boolean): Promise<GeoLocator | undefined> {
    try {
      await fs.access(this.options.geoDatabasePath);
    } catch {
      this.options.log.warn(
        `The location database ${this.options.geoDatabasePath} is missing, so servers are not located. Reinstall the extension to restore it.`,
      );
      return undefined;
    }
    return new GeoLocator({
      databasePath: this.options.geoDatabasePath,
      onlineLookup,
      online: { ...(this.options.proxy ? { proxy: this.options.proxy } : {}) },
      onError: (message) => this.options.log.warn(`Online location lookup: ${message}`),
    });
  }

  /**
   * Takes the last check of each target from the history and fires for the ones that moved: the
   * answers come after the views drew the list (which a synchronous reading came before), so every
   * reading tells them. Never throws: a failed answer is logged and that target keeps what it showed.
   */
  private loadLatestFromHistory(): Promise<void> {
    const loading = this.readLatest().catch((error: unknown) =>
      this.options.log.warn(`Could not read the last checks from the history: ${(error as Error).message}`),
    );
    const previous = this.loadingLatest;
    this.loadingLatest = Promise.all([previous, loading]).then(() => undefined);
    return loading;
  }

  private async readLatest(): Promise<void> {
    const history = this.history;
    if (!history) return;
    // This runs after every flush the writer announces: one question for all the targets.
    const latestByTarget = await latestChecks(history);
    // The history was reopened (or closed) meanwhile: the newer reading has the say.
    if (this.history !== history) return;
    for (const { target } of this.configured) {
      const latest = latestByTarget.get(target.id);
      const known = this.lastRecords.get(target.id);
      if (latest && (!known || latest.startedAt > known.startedAt)) {
        this.lastRecords.set(target.id, latest);
        this.changes.fire({ kind: 'targetShown', targetId: target.id });
      }
    }
  }

  /** Replaces the monitored targets (the settings changed). */
  setTargets(configured: readonly ConfiguredTarget[]): void {
    this.configured = configured;
    const ids = new Set(configured.map((entry) => entry.target.id));
    for (const id of [...this.lastRecords.keys()]) if (!ids.has(id)) this.lastRecords.delete(id);
    for (const entry of configured) {
      const record = this.lastRecords.get(entry.target.id);
      // A changed URL keeps the id only when the user gave one; the old result no longer applies.
      if (record && record.target !== entry.target.url) this.lastRecords.delete(entry.target.id);
    }
    void this.loadLatestFromHistory();
    this.coordinator.setTargets(
      configured.map((entry) => entry.target),
      publishTargets(configured),
    );
    this.changes.fire({ kind: 'targetsListed' });
  }

  get targets(): readonly ConfiguredTarget[] {
    return this.configured;
  }

  snapshot(targetId: string): TargetSnapshot | undefined {
    const configured = this.configured.find((entry) => entry.target.id === targetId);
    return configured ? this.snapshotOf(configured) : undefined;
  }

  snapshots(): TargetSnapshot[] {
    return this.configured.map((configured) => this.snapshotOf(configured));
  }

  private snapshotOf(configured: ConfiguredTarget): TargetSnapshot {
    const { target } = configured;
    const lastRecord = this.lastRecords.get(target.id);
    const state = this.coordinator.engine?.state(target.id) ?? stateFromLastCheck(target.id, lastRecord);
    // PAUSED as soon as this window's settings say so, whatever the checking window's union of targets.
    return { ...state, status: target.paused ? 'PAUSED' : state.status, configured, lastRecord };
  }

  /**
   * Checks a target now. The writer runs it through the scheduler (counted and recorded); a
   * reader window asks the writer to, and shows its own check, unrecorded, if no answer comes.
   */
  async checkNow(targetId: string): Promise<CheckResult | undefined> {
    const outcome = await this.coordinator.checkNow(targetId);
    if (outcome.kind === 'checked-unrecorded') {
      const location = this.lastRecords.get(targetId)?.location ?? null;
      this.lastRecords.set(targetId, { ...outcome.result, anomalyScore: null, location });
      this.changes.fire({ kind: 'targetShown', targetId });
    }
    return outcome.kind === 'checked' || outcome.kind === 'checked-unrecorded' ? outcome.result : undefined;
  }

  /** Writes everything recorded so far to disk. */
  flush(): Promise<void> {
    return this.coordinator.flush();
  }

  /** The writer's store, for tests and the export command (undefined in a reader window). */
  get writableStore(): HistoryStore | undefined {
    return this.coordinator.writableStore;
  }

  private applySettings(areas: ReadonlySet<SettingsArea>): void {
    const values = this.options.settings.values;
    const engine = this.coordinator.engine;
    if (!engine) return;
    if (areas.has('scheduler') || areas.has('notifications') || areas.has('defaults')) {
      try {
        engine.updateSettings(this.schedulerSettings(values));
      } catch (error) {
        this.options.log.error(`A monitoring setting was not applied: ${(error as Error).message}`);
      }
    }
    if (areas.has('anomaly')) engine.setAnomalyThreshold(values.anomaly.threshold);
    if (areas.has('geo') && this.geo) {
      this.geo.setOnlineLookup(values.geo.onlineLookup);
      engine.clearLocationCache();
    }
    // The store takes its retention when it opens: reopen it (the history stays on disk).
    if (areas.has('retention')) void this.coordinator.reopen();
  }

  /** Stops checking, writes the history to disk and lets another window take over. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      this.settingsSubscription.dispose();
      await this.coordinator.dispose();
      this.subscription.dispose();
      this.changes.dispose();
    })();
    return this.disposing;
  }
}
