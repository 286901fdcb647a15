/**
 * Decides whether this window checks the targets or shows what another window records, and
 * keeps the windows in step.
 *
 * Several VS Code windows share one global storage folder. The `WriterLease` picks one of them
 * to run the engine and write the history; the others do not load the history, they ask the
 * writer (`historyQueryChannel.ts`), which also tells them when it recorded more. When the writer
 * goes away, another window takes over.
 *
 * Workspace settings differ per window, so each window also publishes the targets its own
 * settings define (`SharedTargetsBoard`); the writer checks the union of every live window's
 * targets and passes each alert on to the windows whose target it is (`windowNotices.ts`). A
 * reader's "Check Now" is sent to the writer over the history socket, and the writer records it; pause and resume are
 * settings edits, which the window's published list carries.
 */
import type { Disposable } from '../disposable';
import { Emitter, type Event } from '../events';
import type { CheckNowOutcome, MonitorEngine, RecordedCheck } from '../monitorEngine';
import type { CheckResult } from '../probes/checkResult';
import type { MonitorEvent } from '../scheduler/monitorEvent';
import { type HistoryReader, type HistoryStore, readerOf, type StoreStatus } from '../store/historyStore';
import type { SqlJsHistoryStore } from '../store/sqlJsHistoryStore';
import type { ParseResult, Target } from '../targets/target';
import { HistoryQueryServer, type RemoteHistory, remoteHistory } from './historyQueryChannel';
import { mergeForeignTargets, type PublishedTarget, SharedTargetsBoard } from './sharedTargets';
import { eventFromNotice, noticeOf } from './windowNotices';
import { WriterLease } from './writerLease';

export type WindowRole = 'starting' | 'writer' | 'reader' | 'stopped';

/** Where the coordinator reports what it did and what went wrong (the window's log). */
export interface CoordinatorLog {
  trace(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface WindowCoordinatorOptions {
  /** The storage folder every window shares: the lease, the history, the published targets. */
  directory: string;
  /** How often the writer renews its lease and every window its published targets (default 5 s). */
  heartbeatMs?: number;
  /**
   * Opens the history for writing, under the lease when windows share it; a failure is logged, and
   * the writer then checks without recording.
   */
  openHistory(lease: WriterLease | undefined): Promise<SqlJsHistoryStore>;
  /** Builds the engine the writer runs over its store (`createMonitorEngine` with this window's settings). */
  createEngine(store: HistoryStore | undefined): Promise<MonitorEngine>;
  /** Checks a target from a reading window when no writer answered its Check Now. */
  prober: { check(target: Target, signal?: AbortSignal): Promise<CheckResult> };
  /** Builds, in the writer, a target another window published (its secrets resolved here). */
  resolvePublished(published: PublishedTarget): Promise<ParseResult<Target>>;
  log: CoordinatorLog;
  /** The wall clock, for check requests and notices (default Date.now). */
  now?: () => number;
  /** Identifies this window to the others; random by default. */
  windowId?: string;
  /**
   * Whether the views already show a check of one of this window's targets (from the history,
   * or one it ran while reading): such a target keeps its slot when this window starts checking,
   * the others are checked at once. By default, whether the history holds a check of it.
   */
  shownBefore?: (targetId: string) => boolean | Promise<boolean>;
}

const DEFAULT_HEARTBEAT_MS = 5000;

/** A target another window wants and this (writer) window checks for it. */
interface ForeignEntry {
  /** Its `resolutionKey`: re-resolved only when that changes (or a secret may have). */
  key: string;
  target: Target;
  /** The windows whose settings define it, which are told of its alerts. */
  windowIds: string[];
}

/**
 * Everything `resolvePublished` builds a target from, so an entry is resolved again whenever any of
 * it changes. The level decides which rules apply (secrets, link-local addresses): an entry that
 * moves from the user's settings to a workspace's must not keep what the user's level allowed.
 */
function resolutionKey(published: PublishedTarget): string {
  return JSON.stringify([published.id, published.level ?? null, published.entry, published.defaults, published.paused]);
}

/** Events the writer passes on to the window whose target they are about: what it notifies. */
const FORWARDED_EVENTS: ReadonlySet<MonitorEvent['type']> = new Set(['alert', 'recovered', 'reminder', 'certificateExpiring', 'warning']);

interface WriterParts {
  engine: MonitorEngine;
  store: SqlJsHistoryStore | undefined;
  /** The views' reader of `store`: one object per store, so their subscriptions and identity checks see one. */
  history: HistoryReader | undefined;
  /** Answers the reading windows' history questions from `store`. */
  queryServer: HistoryQueryServer | undefined;
  subscriptions: Disposable[];
  /** Reads the other windows' targets. */
  sharedTimer: NodeJS.Timeout | undefined;
}

export class WindowCoordinator {
  private readonly roleEmitter = new Emitter<WindowRole>();
  /** The role changed (writer, reader). */
  readonly onDidChangeRole: Event<WindowRole> = this.roleEmitter.event;
  private readonly tookRoleEmitter = new Emitter<WindowRole>();
  /** A role was taken, or taken again with a new history (the retention changed): the views rebuild. */
  readonly onDidTakeRole: Event<WindowRole> = this.tookRoleEmitter.event;
  private readonly openedEmitter = new Emitter<void>();
  /** `history` is another store now; fired before the writer's first checks, so views can show the last ones. */
  readonly onDidOpenHistory: Event<void> = this.openedEmitter.event;
  private readonly historyEmitter = new Emitter<void>();
  /** A reading window's history shows newer checks (the writer recorded them). */
  readonly onDidChangeHistory: Event<void> = this.historyEmitter.event;
  private readonly eventEmitter = new Emitter<MonitorEvent>();
  /**
   * The engine's events for this window's targets, in the writer window; in a reader window, the
   * alerts the writer passes on for targets that only this window's settings define.
   */
  readonly onEvent: Event<MonitorEvent> = this.eventEmitter.event;
  private readonly recordEmitter = new Emitter<RecordedCheck>();
  /** Every check of this window's targets this window recorded (writer), scored and located. */
  readonly onDidRecordCheck: Event<RecordedCheck> = this.recordEmitter.event;

  private currentRole: WindowRole = 'starting';
  private ownTargets: readonly Target[] = [];
  private ownIds = new Set<string>();
  private published: readonly PublishedTarget[] = [];
  private writer: WriterParts | undefined;
  /** A reading window's history: questions the writer answers. */
  private reader: RemoteHistory | undefined;
  private readerSubscription: Disposable | undefined;
  private lease: WriterLease | undefined;
  private leaseSubscriptions: Disposable[] = [];
  private board: SharedTargetsBoard | undefined;
  /** Targets only other windows define, checked here while this window is the writer. */
  private readonly foreign = new Map<string, ForeignEntry>();
  /** Targets of other windows already reported as impossible to check here, so each is logged once. */
  private readonly unresolvable = new Set<string>();
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  /** Reader: the last notice from the writer already passed on. */
  private noticesSeq = 0;
  private noticeSubscriptions: Disposable[] = [];
  private readingNotices: Promise<void> | undefined;
  private transitions: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private started = false;
  private disposed = false;
  private disposing: Promise<void> | undefined;

  constructor(private readonly options: WindowCoordinatorOptions) {
    this.now = options.now ?? Date.now;
  }

  get role(): WindowRole {
    return this.currentRole;
  }

  /** The history this window can read: the writer's own store, or the writer's answers in a reading window. */
  get history(): HistoryReader | undefined {
    return this.writer ? this.writer.history : this.reader;
  }

  /** The figures of the store this window holds (the API's health); a reading window holds none. */
  get historyStatus(): StoreStatus | undefined {
    return this.writer?.store?.status();
  }

  /** The writer's store (undefined in a reader window). */
  get writableStore(): HistoryStore | undefined {
    return this.writer?.store;
  }

  /** The engine this window runs while it is the writer: its targets' states, its settings. */
  get engine(): MonitorEngine | undefined {
    return this.writer?.engine;
  }

  private get heartbeatMs(): number {
    return this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  }

  /**
   * Contends for the writer lease and opens the history (it loads WebAssembly and reads files).
   * Resolves once this window has a role.
   */
  async start(): Promise<void> {
    if (this.started || this.disposed) return;
    this.started = true;
    const { directory, log } = this.options;
    try {
      this.board = await SharedTargetsBoard.start(
        { directory, heartbeatMs: this.heartbeatMs, ...(this.options.windowId ? { windowId: this.options.windowId } : {}) },
        this.published,
      );
    } catch (error) {
      log.warn(
        `Could not tell other windows which targets this window's settings define (${(error as Error).message}); they are checked only while this window checks.`,
      );
    }
    if (this.disposed) {
      await this.board?.dispose();
      return;
    }
    try {
      this.lease = await WriterLease.start({ directory, heartbeatMs: this.options.heartbeatMs });
    } catch (error) {
      log.error(`Could not share the history with other windows (${(error as Error).message}); this window checks its targets on its own.`);
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

  private setRole(role: WindowRole): void {
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

  /**
   * Reopens the history and rebuilds the engine in the current role: the store takes its
   * retention, and the engine its settings, when they are built (the history stays on disk).
   */
  reopen(): Promise<void> {
    return this.queue(async () => {
      await this.closeWriter();
      if (this.lease === undefined || this.lease.isWriter) await this.becomeWriter();
      else await this.becomeReader();
    });
  }

  private async becomeWriter(): Promise<void> {
    if (this.writer) return;
    await this.closeReader();
    const { log } = this.options;
    let store: SqlJsHistoryStore | undefined;
    try {
      store = await this.options.openHistory(this.lease);
    } catch (error) {
      log.error(`The history could not be opened, so checks run without being recorded: ${(error as Error).stack ?? error}`);
    }
    let queryServer: HistoryQueryServer | undefined;
    if (store && this.lease && !this.disposed) {
      try {
        queryServer = await HistoryQueryServer.start(this.options.directory, store, {
          requests: { checkNow: (targetId) => this.checkForAnotherWindow(targetId) },
        });
      } catch (error) {
        log.warn(`Other windows cannot be shown the history, which this window records: ${(error as Error).message}`);
      }
    }
    const closeHistory = async (): Promise<void> => {
      await queryServer?.dispose();
      await store?.dispose();
    };
    if (this.disposed) {
      await closeHistory();
      return;
    }
    let engine: MonitorEngine;
    try {
      engine = await this.options.createEngine(store);
    } catch (error) {
      await closeHistory();
      throw error;
    }
    const parts: WriterParts = {
      engine,
      store,
      history: store && readerOf(store),
      queryServer,
      subscriptions: [],
      sharedTimer: undefined,
    };
    parts.subscriptions.push(
      engine.onEvent((event) => this.handleEvent(event)),
      engine.onDidRecordCheck((recorded) => {
        // Another window's target: recorded for that window, which shows it from the history.
        if (this.ownIds.has(recorded.target.id)) this.recordEmitter.fire(recorded);
      }),
    );
    this.writer = parts;
    this.foreign.clear();
    this.openedEmitter.fire();
    this.applyUnion(parts);
    // Before the first tick, so the other windows' targets resume on their slots with the rest.
    await this.syncSharedTargets();
    if (this.writer !== parts) return;
    engine.start();
    // A target never checked would show "pending" until its staggered slot, up to a whole
    // interval away; check those now. Targets with history keep their slots.
    const shownBefore = this.options.shownBefore ?? ((targetId: string) => this.hasHistory(parts, targetId));
    const targets = this.ownTargets;
    const unseen = await Promise.all(targets.map(async (target) => !target.paused && !(await shownBefore(target.id))));
    if (this.writer !== parts) return;
    for (const [i, target] of targets.entries()) if (unseen[i]) void engine.checkNow(target.id);
    if (this.board) {
      // Twice a heartbeat: a window's new target is checked, and a closed window's dropped, promptly.
      parts.sharedTimer = setInterval(() => void this.syncSharedTargets(), Math.max(50, Math.floor(this.heartbeatMs / 2)));
      // And at once when a window writes its file (a Check Now, a new target), where changes are reported.
      parts.subscriptions.push(this.board.watch(() => void this.syncSharedTargets()));
    }
    this.setRole('writer');
    this.tookRoleEmitter.fire('writer');
  }

  private async becomeReader(): Promise<void> {
    await this.closeWriter();
    if (this.reader || this.disposed) return;
    const reader = remoteHistory(this.options.directory);
    this.reader = reader;
    this.readerSubscription = reader.onDidChange(() => this.historyEmitter.fire());
    this.openedEmitter.fire();
    this.setRole('reader');
    this.followNotices();
    this.tookRoleEmitter.fire('reader');
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
    await parts.queryServer?.dispose();
    await parts.store?.dispose();
  }

  /** Reader: shows the alerts the writer passes on for this window's targets, from now on. */
  private followNotices(): void {
    const board = this.board;
    if (!board) return;
    for (const subscription of this.noticeSubscriptions) subscription.dispose();
    this.noticesSeq = Math.max(this.noticesSeq, this.now());
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
        const target = this.ownTargets.find((candidate) => candidate.id === event.target?.id);
        if (!target) continue;
        this.eventEmitter.fire(eventFromNotice(event, target));
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
    reader?.dispose();
  }

  private handleEvent(event: MonitorEvent): void {
    const { log } = this.options;
    if (event.target && !this.ownIds.has(event.target.id)) {
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
        break;
      case 'warning':
        log.warn(event.message);
        break;
      default:
        break;
    }
    this.eventEmitter.fire(event);
  }

  /**
   * Replaces this window's targets (the settings changed): `targets` are checked, `published` is
   * how other windows' writers rebuild them. A target added, or whose URL changed, is checked at once.
   */
  setTargets(targets: readonly Target[], published: readonly PublishedTarget[]): void {
    const before = new Map(this.ownTargets.map((target) => [target.id, target.url]));
    this.ownTargets = targets;
    this.ownIds = new Set(targets.map((target) => target.id));
    this.published = published;
    void this.board?.setTargets(published);
    const writer = this.writer;
    if (!writer) return;
    for (const target of targets) this.foreign.delete(target.id);
    // The settings were re-read, perhaps for a changed secret: build the other windows' targets again.
    for (const entry of this.foreign.values()) entry.key = '';
    this.applyUnion(writer);
    // A target the user just added is checked at once instead of waiting for its slot.
    for (const target of targets) {
      const previousUrl = before.get(target.id);
      if ((previousUrl === undefined || previousUrl !== target.url) && !target.paused) void writer.engine.checkNow(target.id);
    }
  }

  /**
   * Checks one of this window's targets now. The writer runs it through the engine (counted and
   * recorded); a reader asks the writer to, over the socket it reads the history through, and
   * checks on its own, unrecorded, only when no writer answers.
   */
  async checkNow(targetId: string): Promise<CheckNowOutcome> {
    const writer = this.writer;
    if (writer) {
      const result = await writer.engine.checkNow(targetId);
      return result ? { kind: 'checked', result } : { kind: 'abandoned' };
    }
    const target = this.ownTargets.find((candidate) => candidate.id === targetId);
    const reader = this.reader;
    if (!target || !reader) return { kind: 'unknown-target' };
    try {
      // A target added a moment ago must be in this window's published list before the writer looks.
      await this.board?.publish();
      // The check takes up to its timeout, after the writer has read the published lists.
      const result = await reader.request('checkNow', target.id, target.timeoutMs + 2 * this.heartbeatMs + 2_000);
      if (result) {
        this.historyEmitter.fire();
        return { kind: 'checked', result };
      }
      this.options.log.warn(
        `The window that checks the targets does not check ${target.name}; checking it from this window without recording it.`,
      );
    } catch (error) {
      this.options.log.warn(
        `The window that checks the targets did not run the check of ${target.name} (${(error as Error).message}); checking it from this window without recording it.`,
      );
    }
    const result = await this.options.prober.check(target, AbortSignal.timeout(target.timeoutMs + 2_000));
    return { kind: 'checked-unrecorded', result };
  }

  /** Writer: a reading window's Check Now, once this window has read what that window publishes. */
  private async checkForAnotherWindow(targetId: string): Promise<CheckResult | undefined> {
    await this.syncSharedTargets();
    return this.writer?.engine.checkNow(targetId);
  }

  /** The writer checks its own targets first, then those only other windows define. */
  private applyUnion(writer: WriterParts): void {
    const foreign = [...this.foreign.values()].map((entry) => entry.target).filter((target) => !this.ownIds.has(target.id));
    writer.engine.setTargets([...this.ownTargets, ...foreign]);
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
      const key = resolutionKey(published);
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
        if (target && !target.paused && !(await this.hasHistory(writer, id)) && this.writer === writer) void writer.engine.checkNow(id);
      }
    }
  }

  private async hasHistory(writer: WriterParts, targetId: string): Promise<boolean> {
    if (!writer.history) return false;
    try {
      return (await writer.history.latest(targetId)) !== undefined;
    } catch {
      return false;
    }
  }

  private async resolvePublished(published: PublishedTarget): Promise<Target | undefined> {
    const resolved = await this.options.resolvePublished(published);
    if (resolved.ok) return resolved.value;
    const key = `${resolutionKey(published)}|${resolved.error}`;
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

  /** Stops checking, writes the history to disk and lets another window take over. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      this.disposed = true;
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
      for (const emitter of [
        this.roleEmitter,
        this.tookRoleEmitter,
        this.openedEmitter,
        this.historyEmitter,
        this.eventEmitter,
        this.recordEmitter,
      ])
        emitter.dispose();
    })();
    return this.disposing;
  }
}
