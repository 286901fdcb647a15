/**
 * The window that checks: it opens the history for writing, runs the engine for the union of its
 * own targets and those the other windows publish, answers their history questions and Check Now
 * requests (`historyQueryChannel.ts`), and passes each alert on to the windows whose target it is
 * (`windowNotices.ts`).
 */
import type { Disposable } from '../disposable';
import type { CheckNowOutcome, MonitorEngine } from '../monitorEngine';
import type { CheckResult } from '../probes/checkResult';
import type { MonitorEvent } from '../scheduler/monitorEvent';
import { type HistoryReader, readerOf, type StoreStatus } from '../store/historyStore';
import type { SqlJsHistoryStore } from '../store/sqlJsHistoryStore';
import type { Target } from '../targets/target';
import { HistoryQueryServer } from './historyQueryChannel';
import { mergeForeignTargets, type PublishedTarget } from './sharedTargets';
import { noticeOf } from './windowNotices';
import { FORWARDED_EVENTS, type SessionContext, type WindowSession } from './windowSession';

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

export class WriterSession implements WindowSession {
  readonly role = 'writer';
  /** The views' reader of `store`: one object per store, so their subscriptions and identity checks see one. */
  readonly history: HistoryReader | undefined;
  /** Answers the reading windows' history questions and requests from `store`. */
  private queryServer: HistoryQueryServer | undefined;
  private readonly subscriptions: Disposable[] = [];
  /** Reads the other windows' targets. */
  private sharedTimer: NodeJS.Timeout | undefined;
  /** Targets only other windows define, checked here. */
  private readonly foreign = new Map<string, ForeignEntry>();
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private closed = false;

  private constructor(
    private readonly context: SessionContext,
    readonly engine: MonitorEngine,
    readonly store: SqlJsHistoryStore | undefined,
    /** Targets of other windows already reported as impossible to check here, so each is logged once. */
    private readonly unresolvable: Set<string>,
  ) {
    this.history = store && readerOf(store);
    this.subscriptions.push(
      engine.onEvent((event) => this.handleEvent(event)),
      engine.onDidRecordCheck((recorded) => {
        // Another window's target: recorded for that window, which shows it from the history.
        if (this.isOwn(recorded.target.id)) context.announce({ kind: 'recorded', recorded });
      }),
    );
  }

  /**
   * Opens the history (a failure is logged, and the engine then checks without recording), answers
   * the other windows from it, and builds the engine. Undefined when the coordinator was disposed meanwhile.
   */
  static async open(context: SessionContext, unresolvable: Set<string>): Promise<WriterSession | undefined> {
    const { options, lease } = context;
    let store: SqlJsHistoryStore | undefined;
    try {
      store = await options.openHistory(lease);
    } catch (error) {
      options.log.error(`The history could not be opened, so checks run without being recorded: ${(error as Error).stack ?? error}`);
    }
    if (context.disposed()) {
      await store?.dispose();
      return undefined;
    }
    let engine: MonitorEngine;
    try {
      engine = await options.createEngine(store);
    } catch (error) {
      await store?.dispose();
      throw error;
    }
    const session = new WriterSession(context, engine, store, unresolvable);
    if (store && lease) {
      try {
        session.queryServer = await HistoryQueryServer.start(options.directory, store, {
          requests: { checkNow: (targetId) => session.checkForAnotherWindow(targetId) },
        });
      } catch (error) {
        options.log.warn(`Other windows cannot be shown the history, which this window records: ${(error as Error).message}`);
      }
    }
    if (context.disposed()) {
      await session.close();
      return undefined;
    }
    return session;
  }

  /**
   * Starts checking: the other windows' targets join first, so they resume on their slots with the
   * rest; then a target never checked is checked at once rather than showing "pending" until its
   * staggered slot, up to a whole interval away (targets with history keep their slots).
   */
  async start(): Promise<void> {
    this.applyUnion();
    await this.syncSharedTargets();
    if (this.closed) return;
    this.engine.start();
    const shownBefore = this.context.options.shownBefore ?? ((targetId: string) => this.hasHistory(targetId));
    const targets = this.context.ownTargets();
    const unseen = await Promise.all(targets.map(async (target) => !target.paused && !(await shownBefore(target.id))));
    if (this.closed) return;
    for (const [i, target] of targets.entries()) if (unseen[i]) void this.engine.checkNow(target.id);
    const board = this.context.board;
    if (board) {
      // Twice a heartbeat: a window's new target is checked, and a closed window's dropped, promptly.
      this.sharedTimer = setInterval(() => void this.syncSharedTargets(), Math.max(50, Math.floor(this.context.heartbeatMs / 2)));
      // And at once when a window writes its file (a new target), where changes are reported.
      this.subscriptions.push(board.watch(() => void this.syncSharedTargets()));
    }
  }

  storeStatus(): StoreStatus | undefined {
    return this.store?.status();
  }

  private isOwn(targetId: string): boolean {
    return this.context.ownIds().has(targetId);
  }

  private handleEvent(event: MonitorEvent): void {
    const { log } = this.context.options;
    if (event.target && !this.isOwn(event.target.id)) {
      // Another window's target: its own window notifies; this one logs state changes.
      if (event.type === 'stateChanged')
        log.info(`${event.target.name} (a target of another window) is now ${event.to} (was ${event.from}).`);
      const windowIds = this.foreign.get(event.target.id)?.windowIds ?? [];
      if (FORWARDED_EVENTS.has(event.type)) for (const windowId of windowIds) void this.context.board?.deliver(windowId, [noticeOf(event)]);
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
    this.context.announce({ kind: 'event', event });
  }

  /** This window's targets changed: a target added, or whose URL changed, is checked at once. */
  targetsChanged(before: ReadonlyMap<string, string>): void {
    const targets = this.context.ownTargets();
    for (const target of targets) this.foreign.delete(target.id);
    // The settings were re-read, perhaps for a changed secret: build the other windows' targets again.
    for (const entry of this.foreign.values()) entry.key = '';
    this.applyUnion();
    for (const target of targets) {
      const previousUrl = before.get(target.id);
      if ((previousUrl === undefined || previousUrl !== target.url) && !target.paused) void this.engine.checkNow(target.id);
    }
  }

  async checkNow(targetId: string): Promise<CheckNowOutcome> {
    const result = await this.engine.checkNow(targetId);
    return result ? { kind: 'checked', result } : { kind: 'abandoned' };
  }

  /** A reading window's Check Now, once this window has read what that window publishes. */
  private async checkForAnotherWindow(targetId: string): Promise<CheckResult | undefined> {
    await this.syncSharedTargets();
    return this.closed ? undefined : this.engine.checkNow(targetId);
  }

  /** The writer checks its own targets first, then those only other windows define. */
  private applyUnion(): void {
    const foreign = [...this.foreign.values()].map((entry) => entry.target).filter((target) => !this.isOwn(target.id));
    this.engine.setTargets([...this.context.ownTargets(), ...foreign]);
  }

  /** Follows the other windows' published targets. */
  private syncSharedTargets(): Promise<void> {
    if (this.syncing) {
      // A file changed while reading: read once more afterwards, or a new target waits for the next poll.
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      for (let round = 0; round < 5; round++) {
        this.syncAgain = false;
        await this.syncOnce().catch((error: unknown) =>
          this.context.options.log.warn(`Could not read the targets other windows want checked: ${(error as Error).message}`),
        );
        if (!this.syncAgain || this.closed) break;
      }
    })().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const board = this.context.board;
    if (!board || this.closed) return;
    const windows = await board.liveWindows();
    if (this.closed) return;
    const wanted = mergeForeignTargets(windows, board.windowId, this.context.ownIds());
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
    if (this.closed) return;
    const changed = next.size !== this.foreign.size || [...next].some(([id, entry]) => this.foreign.get(id) !== entry);
    if (!changed) return;
    const gone = [...this.foreign.keys()].filter((id) => !next.has(id));
    this.foreign.clear();
    for (const [id, entry] of next) this.foreign.set(id, entry);
    this.applyUnion();
    if (added.length > 0 || gone.length > 0)
      this.context.options.log.info(
        `Checking ${this.foreign.size} target(s) for other windows${added.length ? `; added ${added.join(', ')}` : ''}${gone.length ? `; dropped ${gone.join(', ')}` : ''}.`,
      );
    for (const id of added) {
      const target = this.foreign.get(id)?.target;
      if (target && !target.paused && !(await this.hasHistory(id)) && !this.closed) void this.engine.checkNow(id);
    }
  }

  private async hasHistory(targetId: string): Promise<boolean> {
    if (!this.history) return false;
    try {
      return (await this.history.latest(targetId)) !== undefined;
    } catch {
      return false;
    }
  }

  private async resolvePublished(published: PublishedTarget): Promise<Target | undefined> {
    const { options } = this.context;
    const resolved = await options.resolvePublished(published);
    if (resolved.ok) return resolved.value;
    const key = `${resolutionKey(published)}|${resolved.error}`;
    if (!this.unresolvable.has(key)) {
      this.unresolvable.add(key);
      options.log.warn(
        `Another window wants the target "${published.id}" checked, but the checking window cannot check it: ${resolved.error}`,
      );
    }
    return undefined;
  }

  async flush(): Promise<void> {
    await this.engine.settled();
    await this.store?.flush();
  }

  /** Stops checking and answering, and writes the history to disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sharedTimer) clearInterval(this.sharedTimer);
    await this.syncing;
    this.foreign.clear();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.engine.stop();
    await this.engine.settled();
    this.engine.dispose();
    await this.queryServer?.dispose();
    await this.store?.dispose();
  }
}
