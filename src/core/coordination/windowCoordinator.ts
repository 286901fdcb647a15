/**
 * Decides whether this window checks the targets or shows what another window records, and
 * switches between the two: the work of each role is a session (`writerSession.ts`,
 * `readerSession.ts`, behind `WindowSession`); this class only picks and switches.
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
import type { MonitorChange, WindowRole } from '../monitorChanges';
import type { CheckNowOutcome, MonitorEngine } from '../monitorEngine';
import type { HistoryReader, HistoryStore, StoreStatus } from '../store/historyStore';
import type { Target } from '../targets/target';
import { ReaderSession } from './readerSession';
import { type PublishedTarget, SharedTargetsBoard } from './sharedTargets';
import { checkUnrecorded, type SessionContext, type WindowCoordinatorOptions, type WindowSession } from './windowSession';
import { WriterLease } from './writerLease';
import { WriterSession } from './writerSession';

export type { CoordinatorLog, WindowCoordinatorOptions } from './windowSession';

export type { WindowRole } from '../monitorChanges';

const DEFAULT_HEARTBEAT_MS = 5000;

export class WindowCoordinator {
  /** The one stream of this window's changes (`core/monitorChanges.ts`): roles, history, the engine's events and records. */
  private readonly changes: Emitter<MonitorChange>;
  readonly onDidChange: Event<MonitorChange>;

  private currentRole: WindowRole = 'starting';
  private ownTargets: readonly Target[] = [];
  private ownIds: ReadonlySet<string> = new Set();
  private published: readonly PublishedTarget[] = [];
  /** The current role's work; undefined while starting, switching or stopped. */
  private session: WindowSession | undefined;
  private lease: WriterLease | undefined;
  private leaseSubscriptions: Disposable[] = [];
  private board: SharedTargetsBoard | undefined;
  /** Targets of other windows already reported as impossible to check here, so each is logged once. */
  private readonly unresolvable = new Set<string>();
  private transitions: Promise<void> = Promise.resolve();
  private started = false;
  private disposed = false;
  private disposing: Promise<void> | undefined;

  constructor(private readonly options: WindowCoordinatorOptions) {
    this.changes = options.changes ?? new Emitter<MonitorChange>();
    this.onDidChange = this.changes.event;
  }

  get role(): WindowRole {
    return this.currentRole;
  }

  /** The history this window can read: the writer's own store, or the writer's answers in a reading window. */
  get history(): HistoryReader | undefined {
    return this.session?.history;
  }

  /** The figures of the store this window holds (the API's health); a reading window holds none. */
  get historyStatus(): StoreStatus | undefined {
    return this.session?.storeStatus();
  }

  /** The writer's store (undefined in a reader window). */
  get writableStore(): HistoryStore | undefined {
    return this.session?.store;
  }

  /** The engine this window runs while it is the writer: its targets' states, its settings. */
  get engine(): MonitorEngine | undefined {
    return this.session?.engine;
  }

  private get heartbeatMs(): number {
    return this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  }

  /** What both sessions share with this coordinator: its settings, files, targets and events. */
  private context(): SessionContext {
    return {
      options: this.options,
      heartbeatMs: this.heartbeatMs,
      now: this.options.now ?? Date.now,
      lease: this.lease,
      board: this.board,
      ownTargets: () => this.ownTargets,
      ownIds: () => this.ownIds,
      disposed: () => this.disposed,
      announce: (change) => this.changes.fire(change),
    };
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
    this.changes.fire({ kind: 'roleChanged', role });
  }

  /**
   * Reopens the history and rebuilds the engine in the current role: the store takes its
   * retention, and the engine its settings, when they are built (the history stays on disk).
   */
  reopen(): Promise<void> {
    return this.queue(async () => {
      if (this.session?.role === 'writer') await this.closeSession();
      if (this.lease === undefined || this.lease.isWriter) await this.becomeWriter();
      else await this.becomeReader();
    });
  }

  private async becomeWriter(): Promise<void> {
    if (this.session?.role === 'writer') return;
    await this.closeSession();
    const session = await WriterSession.open(this.context(), this.unresolvable);
    if (!session) return;
    this.session = session;
    this.changes.fire({ kind: 'historyOpened' });
    await session.start();
    if (this.session !== session) return;
    this.setRole('writer');
    this.changes.fire({ kind: 'roleTaken', role: 'writer' });
  }

  private async becomeReader(): Promise<void> {
    if (this.session?.role === 'reader') return;
    await this.closeSession();
    if (this.disposed) return;
    const session = new ReaderSession(this.context());
    this.session = session;
    this.changes.fire({ kind: 'historyOpened' });
    this.setRole('reader');
    session.followNotices();
    this.changes.fire({ kind: 'roleTaken', role: 'reader' });
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.close();
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
    this.session?.targetsChanged(before);
  }

  /**
   * Checks one of this window's targets now. The writer runs it through the engine (counted and
   * recorded); a reader asks the writer to, over the socket it reads the history through, and
   * checks on its own, unrecorded, only when no writer answers (or while this window has no role yet).
   */
  async checkNow(targetId: string): Promise<CheckNowOutcome> {
    if (this.session) return this.session.checkNow(targetId);
    const target = this.ownTargets.find((candidate) => candidate.id === targetId);
    return target ? checkUnrecorded(this.options, target) : { kind: 'unknown-target' };
  }

  /** Writes everything recorded so far to disk. */
  async flush(): Promise<void> {
    await this.session?.flush();
  }

  /** Stops checking, writes the history to disk and lets another window take over. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      this.disposed = true;
      for (const subscription of this.leaseSubscriptions) subscription.dispose();
      await this.transitions;
      try {
        await this.closeSession();
      } catch (error) {
        this.options.log.error(`The history could not be saved on shutdown: ${(error as Error).stack ?? error}`);
      }
      // Our targets leave the shared list before the lease is released, so the next writer never picks them up.
      await this.board?.dispose();
      await this.lease?.dispose();
      this.currentRole = 'stopped';
      // A stream given by the window's owner is the owner's to close.
      if (!this.options.changes) this.changes.dispose();
    })();
    return this.disposing;
  }
}
