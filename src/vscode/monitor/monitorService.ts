/**
 * Runs the monitoring engine for this window, or shows what another window records.
 *
 * Several VS Code windows share one global storage folder. The `WriterLease` picks one of them
 * to run the scheduler and write the history; the others open the history read-only and show
 * the checks as the writer records them. When the writer goes away, another window takes over.
 * The views read everything through this class and never need to know which role it has.
 *
 * Workspace settings differ per window, so each window also publishes the targets its own
 * settings define (`SharedTargetsBoard`); the writer checks the union of every live window's
 * targets, and each window shows only its own. A reader's "Check Now" is forwarded to the writer,
 * which records it; pause and resume are settings edits, which the window's published list carries.
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { createMonitorEngine, type MonitorEngine, type RecordedCheck } from '../../core/monitorEngine';
import { GeoLocator } from '../../core/geo/geoLocator';
import type { CheckResult } from '../../core/probes/checkResult';
import { Prober } from '../../core/probes/prober';
import type { ProxySettings } from '../../core/probes/proxySettings';
import type { MonitorEvent, TargetStatus } from '../../core/scheduler/monitorEvent';
import type { SchedulerSettings } from '../../core/scheduler/scheduler';
import type { CheckRecord } from '../../core/store/checkRecord';
import type { HistoryQueries, HistoryStore, RetentionPolicy, StoreProblem } from '../../core/store/historyStore';
import { SqlJsHistoryStore } from '../../core/store/sqlJsHistoryStore';
import { CheckRequestTracker, mergeForeignTargets, type PublishedTarget, SharedTargetsBoard } from '../../core/coordination/sharedTargets';
import { WriterLease } from '../../core/coordination/writerLease';
import type { Target } from '../../core/targets/target';
import type { MonitorSettings, MonitorSettingsValues, SettingsArea } from '../config/monitorSettings';
import type { ConfiguredTarget, SecretLookup } from '../config/targetEntries';
import { publishTargets, resolvePublishedTarget } from './publishedTargets';
import { eventFromNotice, noticeOf } from '../../core/coordination/windowNotices';

export type MonitorRole = 'starting' | 'writer' | 'reader' | 'stopped';

/** What the views show for one target. */
export interface TargetSnapshot {
  configured: ConfiguredTarget;
  /** PAUSED when the target is paused; otherwise the monitoring state (UNKNOWN before any check). */
  status: TargetStatus;
  /** Counted failed checks in a row (the writer knows; a reader counts 1 for a failed last check). */
  consecutiveFailures: number;
  /** The last counted check with its score and location, from this window or from the history. */
  lastRecord: CheckRecord | undefined;
  /** When the status last changed, if known. */
  statusSince: number | null;
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
  /** The proxy for HTTP(S) checks, asked on every check; none by default. */
  proxy?: () => ProxySettings;
  /** Whether HTTPS checks also trust the system's certificate store (http.systemCertificates), asked on every check. */
  systemCertificates?: () => boolean;
}

const DAY_MS = 86_400_000;
const DEFAULT_HEARTBEAT_MS = 5000;

/** A target another window wants and this (writer) window checks for it. */
interface ForeignEntry {
  /** The published entry as JSON: re-resolved only when it changes (or a secret may have). */
  key: string;
  target: Target;
  /** The windows whose settings define it, which are told of its alerts. */
  windowIds: string[];
}

/** Events the writer passes on to the window whose target they are about: what it notifies. */
const FORWARDED_EVENTS: ReadonlySet<MonitorEvent['type']> = new Set(['alert', 'recovered', 'reminder', 'certificateExpiring', 'warning']);

interface WriterParts {
  engine: MonitorEngine;
  store: SqlJsHistoryStore | undefined;
  geo: GeoLocator | undefined;
  subscriptions: { dispose(): void }[];
  /** Reads the other windows' targets and check requests. */
  sharedTimer: NodeJS.Timeout | undefined;
  requests: CheckRequestTracker;
}

export class MonitorService implements vscode.Disposable {
  private readonly targetEmitter = new vscode.EventEmitter<string>();
  /** A target's snapshot changed (a check, a state change, newer history). */
  readonly onDidChangeTarget = this.targetEmitter.event;
  private readonly listEmitter = new vscode.EventEmitter<void>();
  /** Targets were added, removed or edited. */
  readonly onDidChangeTargets = this.listEmitter.event;
  private readonly eventEmitter = new vscode.EventEmitter<MonitorEvent>();
  /**
   * The scheduler's events for this window's targets, in the writer window; in a reader window,
   * the alerts the writer passes on for targets that only this window's settings define. One
   * window notifies of each target.
   */
  readonly onEvent = this.eventEmitter.event;
  private readonly recordEmitter = new vscode.EventEmitter<RecordedCheck>();
  /** Every check this window recorded (writer), scored and located. */
  readonly onDidRecordCheck = this.recordEmitter.event;
  private readonly roleEmitter = new vscode.EventEmitter<MonitorRole>();
  readonly onDidChangeRole = this.roleEmitter.event;

  private currentRole: MonitorRole = 'starting';
  private configured: readonly ConfiguredTarget[] = [];
  private readonly lastRecords = new Map<string, CheckRecord>();
  private writer: WriterParts | undefined;
  private reader: SqlJsHistoryStore | undefined;
  private readerSubscription: { dispose(): void } | undefined;
  private lease: WriterLease | undefined;
  private leaseSubscriptions: { dispose(): void }[] = [];
  private board: SharedTargetsBoard | undefined;
  /** Targets only other windows define, checked here while this window is the writer. */
  private readonly foreign = new Map<string, ForeignEntry>();
  /** Targets of other windows already reported as impossible to check here, so each is logged once. */
  private readonly unresolvable = new Set<string>();
  private ownIds = new Set<string>();
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  /** Reader: the last notice from the writer already passed on. */
  private noticesSeq = 0;
  private noticeSubscriptions: { dispose(): void }[] = [];
  private readingNotices: Promise<void> | undefined;
  private readonly prober: Prober;
  private transitions: Promise<void> = Promise.resolve();
  private readonly settingsSubscription: vscode.Disposable;
  private started = false;
  private disposed = false;
  private disposing: Promise<void> | undefined;

  constructor(private readonly options: MonitorServiceOptions) {
    this.prober = new Prober({
      ...(options.proxy ? { proxy: options.proxy } : {}),
      trust: { systemCertificates: options.systemCertificates, onProblem: (message) => options.log.warn(message) },
    });
    this.settingsSubscription = options.settings.onDidChange((areas) => this.applySettings(areas));
  }

  get role(): MonitorRole {
    return this.currentRole;
  }

  /** The history this window can read: the writer's own store, or a read-only view of it. */
  get history(): HistoryQueries | undefined {
    return this.writer?.store ?? this.reader;
  }

  private get heartbeatMs(): number {
    return this.options.leaseHeartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  }

  private isOwn(targetId: string): boolean {
    return this.ownIds.has(targetId);
  }

  get anomalyThreshold(): number {
    return this.options.settings.values.anomaly.threshold;
  }

  /**
   * Contends for the writer lease and opens the history; call after activate() has returned
   * (it loads WebAssembly and reads files). Resolves once this window has a role.
   */
  async start(): Promise<void> {
    if (this.started || this.disposed) return;
    this.started = true;
    try {
      this.board = await SharedTargetsBoard.start(
        { directory: this.options.storageDirectory, heartbeatMs: this.heartbeatMs },
        this.published(),
      );
    } catch (error) {
      this.options.log.warn(
        `Could not tell other windows which targets this window's settings define (${(error as Error).message}); they are checked only while this window checks.`,
      );
    }
    if (this.disposed) {
      await this.board?.dispose();
      return;
    }
    try {
      this.lease = await WriterLease.start({ directory: this.options.storageDirectory, heartbeatMs: this.options.leaseHeartbeatMs });
    } catch (error) {
      this.options.log.error(
        `Could not share the history with other windows (${(error as Error).message}); this window checks its targets on its own.`,
      );
      await this.queue(() => this.becomeWriter());
      return;
    }
    if (this.disposed) {
      await this.lease.dispose();
      return;
    }
    const lease = this.lease;
    this.leaseSubscriptions = [
      lease.onDidBecomeWriter(() => void this.queue(() => this.becomeWriter())),
      lease.onDidLoseWriter(() => void this.queue(() => this.becomeReader())),
    ];
    // The first attempt ran inside start(), before anyone could listen: act on its outcome.
    await this.queue(() => (lease.isWriter ? this.becomeWriter() : this.becomeReader()));
  }

  private queue(step: () => Promise<void>): Promise<void> {
    this.transitions = this.transitions
      .then(() => (this.disposed ? undefined : step()))
      .catch((error: unknown) => {
        this.options.log.error(
          `Network Monitor could not switch between checking and showing another window's checks: ${(error as Error).stack ?? error}`,
        );
      });
    return this.transitions;
  }

  private setRole(role: MonitorRole): void {
    if (this.currentRole === role) return;
    this.currentRole = role;
    this.options.log.info(
      role === 'writer'
        ? 'This window checks the targets and records the history.'
        : role === 'reader'
          ? 'Another window checks the targets; this one shows what it records.'
          : `Monitoring ${role}.`,
    );
    this.roleEmitter.fire(role);
  }

  private retention(values: MonitorSettingsValues): Partial<RetentionPolicy> {
    return { rawMs: values.retention.rawDays * DAY_MS, hourMs: values.retention.hourlyDays * DAY_MS };
  }

  private schedulerSettings(values: MonitorSettingsValues): Partial<SchedulerSettings> {
    return {
      retries: values.defaults.retries,
      alertThreshold: values.defaults.alertThreshold,
      certExpiryDays: values.certificateWarningDays,
      reminderMinutes: values.notifications.reminderMinutes,
    };
  }

  private async becomeWriter(): Promise<void> {
    if (this.writer) return;
    await this.closeReader();
    const { log, settings } = this.options;
    const values = settings.values;
    let store: SqlJsHistoryStore | undefined;
    try {
      store = await SqlJsHistoryStore.open({
        directory: this.options.storageDirectory,
        wasmPath: this.options.wasmPath,
        retention: this.retention(values),
        lease: this.lease,
        onProblem: (problem) => this.options.onStoreProblem(problem),
      });
    } catch (error) {
      log.error(`The history could not be opened, so checks run without being recorded: ${(error as Error).stack ?? error}`);
    }
    if (this.disposed) {
      await store?.dispose();
      return;
    }
    const geo = await this.createGeoLocator(values.geo.onlineLookup);
    const engine = createMonitorEngine({
      runCheck: (target, signal) => this.prober.check(target, signal),
      scheduler: this.schedulerSettings(values),
      store,
      geo,
      anomalyThreshold: values.anomaly.threshold,
      onProblem: (message) => log.warn(message),
    });
    const parts: WriterParts = {
      engine,
      store,
      geo,
      subscriptions: [],
      sharedTimer: undefined,
      requests: new CheckRequestTracker(2 * this.heartbeatMs),
    };
    parts.subscriptions.push(
      engine.onEvent((event) => this.handleEvent(event)),
      engine.onDidRecordCheck((recorded) => {
        // Another window's target: recorded for that window, which shows it from the history.
        if (!this.isOwn(recorded.target.id)) return;
        this.lastRecords.set(recorded.target.id, recorded.record);
        this.recordEmitter.fire(recorded);
        this.targetEmitter.fire(recorded.target.id);
      }),
    );
    this.writer = parts;
    this.foreign.clear();
    this.loadLatestFromHistory();
    this.applyUnion(parts);
    // Before the first tick, so the other windows' targets resume on their slots with the rest.
    await this.syncSharedTargets();
    if (this.writer !== parts) return;
    engine.start();
    // A target never checked would show "pending" until its staggered slot, up to a whole
    // interval away; check those now. Targets with history keep their slots.
    for (const { target } of this.configured) {
      if (!target.paused && !this.lastRecords.has(target.id)) void engine.checkNow(target.id);
    }
    if (this.board) {
      // Twice a heartbeat: a window's new target is checked, and a closed window's dropped, promptly.
      parts.sharedTimer = setInterval(() => void this.syncSharedTargets(), Math.max(50, Math.floor(this.heartbeatMs / 2)));
      // And at once when a window writes its file (a Check Now, a new target), where changes are reported.
      parts.subscriptions.push(this.board.watch(() => void this.syncSharedTargets()));
    }
    this.setRole('writer');
    this.listEmitter.fire();
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
      onError: (message) => this.options.log.warn(`Online location lookup: ${message}`),
    });
  }

  private async becomeReader(): Promise<void> {
    await this.closeWriter();
    if (this.reader) return;
    try {
      const store = await SqlJsHistoryStore.open({
        directory: this.options.storageDirectory,
        wasmPath: this.options.wasmPath,
        readOnly: true,
        onProblem: (problem) => this.options.onStoreProblem(problem),
      });
      if (this.disposed) {
        await store.dispose();
        return;
      }
      this.reader = store;
      this.readerSubscription = store.onDidChange(() => this.loadLatestFromHistory(true));
    } catch (error) {
      this.options.log.error(`The history written by the other window could not be read: ${(error as Error).stack ?? error}`);
    }
    this.loadLatestFromHistory();
    this.setRole('reader');
    this.followNotices();
    this.listEmitter.fire();
  }

  private async closeWriter(): Promise<void> {
    const parts = this.writer;
    if (!parts) return;
    this.writer = undefined;
    if (parts.sharedTimer) clearInterval(parts.sharedTimer);
    await this.syncing;
    this.foreign.clear();
    for (const subscription of parts.subscriptions) subscription.dispose();
    parts.engine.stop();
    await parts.engine.settled();
    parts.engine.dispose();
    await parts.store?.dispose();
  }

  /** Reader: shows the alerts the writer passes on for this window's targets, from now on. */
  private followNotices(): void {
    const board = this.board;
    if (!board) return;
    for (const subscription of this.noticeSubscriptions) subscription.dispose();
    this.noticesSeq = Math.max(this.noticesSeq, Date.now());
    const timer = setInterval(() => void this.readNotices(), this.heartbeatMs);
    this.noticeSubscriptions = [board.watch(() => void this.readNotices()), { dispose: () => clearInterval(timer) }];
  }

  private readNotices(): Promise<void> {
    this.readingNotices ??= (async () => {
      const notices = (await this.board?.readNotices(this.noticesSeq)) ?? [];
      for (const notice of notices) {
        this.noticesSeq = Math.max(this.noticesSeq, notice.seq);
        if (this.currentRole !== 'reader' || this.disposed) continue;
        const event = notice.payload as Partial<MonitorEvent> | null;
        if (typeof event !== 'object' || event === null || typeof event.type !== 'string' || !FORWARDED_EVENTS.has(event.type)) continue;
        // This window's own target, not the copy the writer built: the views match by object too.
        const configured = this.configured.find((entry) => entry.target.id === event.target?.id);
        if (!configured) continue;
        this.eventEmitter.fire(eventFromNotice(event, configured.target));
      }
    })()
      .catch((error: unknown) =>
        this.options.log.warn(`Could not read the alerts the checking window passed on: ${(error as Error).message}`),
      )
      .finally(() => {
        this.readingNotices = undefined;
      });
    return this.readingNotices;
  }

  private async closeReader(): Promise<void> {
    for (const subscription of this.noticeSubscriptions) subscription.dispose();
    this.noticeSubscriptions = [];
    await this.readingNotices;
    this.readerSubscription?.dispose();
    this.readerSubscription = undefined;
    const reader = this.reader;
    this.reader = undefined;
    await reader?.dispose();
  }

  /** Takes the last check of each target from the history; with `notify`, fires for the ones that moved. */
  private loadLatestFromHistory(notify = false): void {
    const history = this.history;
    if (!history) return;
    for (const { target } of this.configured) {
      let latest: CheckRecord | undefined;
      try {
        latest = history.latest(target.id);
      } catch (error) {
        this.options.log.warn(`Could not read the last check of ${target.name}: ${(error as Error).message}`);
        continue;
      }
      const known = this.lastRecords.get(target.id);
      if (latest && (!known || latest.startedAt > known.startedAt)) {
        this.lastRecords.set(target.id, latest);
        if (notify) this.targetEmitter.fire(target.id);
      }
    }
  }

  private handleEvent(event: MonitorEvent): void {
    const { log } = this.options;
    if (event.target && !this.isOwn(event.target.id)) {
      // Another window's target: its own window notifies; this one logs state changes.
      if (event.type === 'stateChanged')
        log.info(`${event.target.name} (a target of another window) is now ${event.to} (was ${event.from}).`);
      const windowIds = this.foreign.get(event.target.id)?.windowIds ?? [];
      if (FORWARDED_EVENTS.has(event.type)) for (const windowId of windowIds) void this.board?.deliver(windowId, [noticeOf(event)]);
      return;
    }
    switch (event.type) {
      case 'checkCompleted': {
        const { result } = event;
        log.trace(
          `${event.target.name}: ${result.status} in ${result.totalMs.toFixed(0)} ms${result.reason ? ` (${result.reason}: ${result.message})` : ''}`,
        );
        break;
      }
      case 'checkRetrying':
        log.trace(
          `${event.target.name}: attempt ${event.attempt} failed (${event.result.message}); retrying in ${Math.round(event.retryInMs / 1000)} s.`,
        );
        break;
      case 'stateChanged':
        log.info(
          `${event.target.name} is now ${event.to} (was ${event.from})${event.result && event.to !== 'UP' ? `: ${event.result.message}` : '.'}`,
        );
        this.targetEmitter.fire(event.target.id);
        break;
      case 'warning':
        log.warn(event.message);
        break;
      default:
        break;
    }
    this.eventEmitter.fire(event);
  }

  /** Replaces the monitored targets (the settings changed). */
  setTargets(configured: readonly ConfiguredTarget[]): void {
    const before = new Map(this.configured.map((entry) => [entry.target.id, entry.target.url]));
    this.configured = configured;
    const ids = new Set(configured.map((entry) => entry.target.id));
    this.ownIds = ids;
    for (const id of [...this.lastRecords.keys()]) if (!ids.has(id)) this.lastRecords.delete(id);
    for (const entry of configured) {
      const record = this.lastRecords.get(entry.target.id);
      // A changed URL keeps the id only when the user gave one; the old result no longer applies.
      if (record && record.target !== entry.target.url) this.lastRecords.delete(entry.target.id);
    }
    this.loadLatestFromHistory();
    void this.board?.setTargets(this.published());
    const writer = this.writer;
    if (writer) {
      for (const entry of configured) this.foreign.delete(entry.target.id);
      // The settings were re-read, perhaps for a changed secret: build the other windows' targets again.
      for (const entry of this.foreign.values()) entry.key = '';
      this.applyUnion(writer);
      // A target the user just added is checked at once instead of waiting for its slot.
      for (const entry of configured) {
        const previousUrl = before.get(entry.target.id);
        if ((previousUrl === undefined || previousUrl !== entry.target.url) && !entry.target.paused)
          void writer.engine.checkNow(entry.target.id);
      }
    }
    this.listEmitter.fire();
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
    const state = this.writer?.engine.state(target.id);
    if (state) {
      return {
        configured,
        status: target.paused ? 'PAUSED' : state.status,
        consecutiveFailures: state.consecutiveFailures,
        lastRecord,
        statusSince: state.statusSince,
      };
    }
    const status: TargetStatus = target.paused ? 'PAUSED' : (lastRecord?.status ?? 'UNKNOWN');
    return { configured, status, consecutiveFailures: lastRecord?.status === 'DOWN' ? 1 : 0, lastRecord, statusSince: null };
  }

  /**
   * Checks a target now. The writer runs it through the scheduler (counted and recorded); a
   * reader window runs the probe itself and shows the result without recording it.
   */
  async checkNow(targetId: string): Promise<CheckResult | undefined> {
    const writer = this.writer;
    if (writer) return writer.engine.checkNow(targetId);
    const configured = this.configured.find((entry) => entry.target.id === targetId);
    if (!configured) return undefined;
    const forwarded = await this.forwardCheck(configured.target);
    if (forwarded) return forwarded;
    // The checking window did not answer in time (closing, or busy): check here, unrecorded.
    const result = await this.prober.check(configured.target, AbortSignal.timeout(configured.target.timeoutMs + 2_000));
    this.lastRecords.set(targetId, { ...result, anomalyScore: null, location: this.lastRecords.get(targetId)?.location ?? null });
    this.targetEmitter.fire(targetId);
    return result;
  }

  /**
   * Asks the writer window to check a target and waits for the check to reach the history, so
   * it is counted and recorded like any other. Undefined when no answer came in time.
   */
  private async forwardCheck(target: Target): Promise<CheckResult | undefined> {
    const board = this.board;
    const reader = this.reader;
    if (!board || !reader) return undefined;
    const requestedAt = await board.requestCheck(target.id);
    // The writer hears the request through its file watch (or reads requests twice a heartbeat);
    // the check then takes up to its timeout. Its result arrives as a change of the history,
    // which this window's store announces as soon as the journal line is written: no polling.
    const deadline = target.timeoutMs + 2 * this.heartbeatMs + 2_000;
    const answered = (): CheckRecord | undefined => {
      let latest: CheckRecord | undefined;
      try {
        latest = reader.latest(target.id);
      } catch {
        latest = undefined;
      }
      return latest && latest.startedAt >= requestedAt - 1 ? latest : undefined;
    };
    const latest = await new Promise<CheckRecord | undefined>((resolve) => {
      const finish = (record: CheckRecord | undefined): void => {
        clearTimeout(timer);
        subscription.dispose();
        resolve(record);
      };
      const timer = setTimeout(() => finish(undefined), deadline);
      const subscription = reader.onDidChange(() => {
        const record = this.disposed || this.reader !== reader ? undefined : answered();
        if (record || this.disposed || this.reader !== reader) finish(record);
      });
      // Already there (the writer was quick), or the store's watch missed it: look once now.
      void reader.refresh().then(() => {
        const record = answered();
        if (record) finish(record);
      });
    });
    if (latest) {
      this.loadLatestFromHistory(true);
      return latest;
    }
    this.options.log.warn(
      `The window that checks the targets did not run the check of ${target.name} in time; checking it from this window without recording it.`,
    );
    return undefined;
  }

  /** This window's targets as it publishes them for the writer. */
  private published(): PublishedTarget[] {
    return publishTargets(this.configured);
  }

  /** The writer checks its own targets first, then those only other windows define. */
  private applyUnion(writer: WriterParts): void {
    const foreign = [...this.foreign.values()].map((entry) => entry.target).filter((target) => !this.ownIds.has(target.id));
    writer.engine.setTargets([...this.configured.map((entry) => entry.target), ...foreign]);
  }

  /** Writer: follows the other windows' published targets and runs their check requests. */
  private syncSharedTargets(): Promise<void> {
    if (this.syncing) {
      // A file changed while reading: read once more afterwards, or a request waits for the next poll.
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      for (let round = 0; round < 5; round++) {
        this.syncAgain = false;
        await this.syncOnce().catch((error: unknown) =>
          this.options.log.warn(`Could not read the targets other windows want checked: ${(error as Error).message}`),
        );
        if (!this.syncAgain || !this.writer) break;
      }
    })().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const board = this.board;
    const writer = this.writer;
    if (!board || !writer) return;
    const windows = await board.liveWindows();
    if (this.writer !== writer) return;
    const wanted = mergeForeignTargets(windows, board.windowId, this.ownIds);
    const next = new Map<string, ForeignEntry>();
    const added: string[] = [];
    for (const { published, windowIds } of wanted) {
      const key = JSON.stringify([published.entry, published.defaults, published.paused]);
      const known = this.foreign.get(published.id);
      if (known?.key === key) {
        known.windowIds = windowIds;
        next.set(published.id, known);
        continue;
      }
      const target = await this.resolvePublished(published);
      if (!target) continue;
      next.set(published.id, { key, target, windowIds });
      if (!known || known.target.url !== target.url) added.push(target.id);
    }
    if (this.writer !== writer) return;
    const changed = next.size !== this.foreign.size || [...next].some(([id, entry]) => this.foreign.get(id) !== entry);
    if (changed) {
      const gone = [...this.foreign.keys()].filter((id) => !next.has(id));
      this.foreign.clear();
      for (const [id, entry] of next) this.foreign.set(id, entry);
      this.applyUnion(writer);
      if (added.length > 0 || gone.length > 0)
        this.options.log.info(
          `Checking ${this.foreign.size} target(s) for other windows${added.length ? `; added ${added.join(', ')}` : ''}${gone.length ? `; dropped ${gone.join(', ')}` : ''}.`,
        );
      for (const id of added) {
        const target = this.foreign.get(id)?.target;
        if (target && !target.paused && !this.hasHistory(writer, id)) void writer.engine.checkNow(id);
      }
    }
    for (const id of writer.requests.newRequests(
      windows.filter((window) => window.windowId !== board.windowId),
      Date.now(),
    )) {
      void writer.engine.checkNow(id);
    }
  }

  private hasHistory(writer: WriterParts, targetId: string): boolean {
    try {
      return writer.store?.latest(targetId) !== undefined;
    } catch {
      return false;
    }
  }

  private async resolvePublished(published: PublishedTarget): Promise<Target | undefined> {
    const resolved = await resolvePublishedTarget(published, this.options.secretLookup ?? (async () => undefined));
    if (resolved.ok) return resolved.value;
    const key = `${published.id}|${JSON.stringify(published.entry)}|${resolved.error}`;
    if (!this.unresolvable.has(key)) {
      this.unresolvable.add(key);
      this.options.log.warn(
        `Another window wants the target "${published.id}" checked, but the checking window cannot check it: ${resolved.error}`,
      );
    }
    return undefined;
  }

  /** Writes everything recorded so far to disk. */
  async flush(): Promise<void> {
    const writer = this.writer;
    if (!writer) return;
    await writer.engine.settled();
    await writer.store?.flush();
  }

  /** The writer's store, for tests and the export command (undefined in a reader window). */
  get writableStore(): HistoryStore | undefined {
    return this.writer?.store;
  }

  private applySettings(areas: ReadonlySet<SettingsArea>): void {
    const values = this.options.settings.values;
    const writer = this.writer;
    if (!writer) return;
    if (areas.has('scheduler') || areas.has('notifications') || areas.has('defaults')) {
      try {
        writer.engine.updateSettings(this.schedulerSettings(values));
      } catch (error) {
        this.options.log.error(`A monitoring setting was not applied: ${(error as Error).message}`);
      }
    }
    if (areas.has('anomaly')) writer.engine.setAnomalyThreshold(values.anomaly.threshold);
    if (areas.has('geo') && writer.geo) {
      writer.geo.setOnlineLookup(values.geo.onlineLookup);
      writer.engine.clearLocationCache();
    }
    // The store takes its retention when it opens: reopen it (the history stays on disk).
    if (areas.has('retention')) {
      void this.queue(async () => {
        await this.closeWriter();
        if (this.lease === undefined || this.lease.isWriter) await this.becomeWriter();
        else await this.becomeReader();
      });
    }
  }

  /** Stops checking, writes the history to disk and lets another window take over. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      this.disposed = true;
      this.settingsSubscription.dispose();
      for (const subscription of this.leaseSubscriptions) subscription.dispose();
      await this.transitions;
      try {
        await this.closeWriter();
        await this.closeReader();
      } catch (error) {
        this.options.log.error(`The history could not be saved on shutdown: ${(error as Error).stack ?? error}`);
      }
      // Our targets leave the shared list before the lease is released, so the next writer never picks them up.
      await this.board?.dispose();
      await this.lease?.dispose();
      this.currentRole = 'stopped';
      for (const emitter of [this.targetEmitter, this.listEmitter, this.eventEmitter, this.recordEmitter, this.roleEmitter])
        emitter.dispose();
    })();
    return this.disposing;
  }
}
