/**
 * What a window does in its role. `WindowCoordinator` picks the role and switches between the two
 * sessions behind this interface: a `WriterSession` (`writerSession.ts`) runs the engine and records
 * the history for every window; a `ReaderSession` (`readerSession.ts`) reads the history from the
 * writer and passes its Check Now on to it.
 */
import type { Emitter } from '../events';
import type { MonitorChange } from '../monitorChanges';
import type { CheckNowOutcome, MonitorEngine } from '../monitorEngine';
import type { CheckResult } from '../probes/checkResult';
import type { MonitorEvent } from '../scheduler/monitorEvent';
import type { HistoryReader, HistoryStore, StoreStatus } from '../store/historyStore';
import type { SqlJsHistoryStore } from '../store/sqlJsHistoryStore';
import type { ParseResult, Target } from '../targets/target';
import type { PublishedTarget, SharedTargetsBoard } from './sharedTargets';
import type { WriterLease } from './writerLease';

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
  /** The wall clock, for notices (default Date.now). */
  now?: () => number;
  /** Identifies this window to the others; random by default. */
  windowId?: string;
  /** The stream this window's changes are fired into, when its owner fires its own changes there too; else the coordinator's own. */
  changes?: Emitter<MonitorChange>;
  /**
   * Whether the views already show a check of one of this window's targets (from the history,
   * or one it ran while reading): such a target keeps its slot when this window starts checking,
   * the others are checked at once. By default, whether the history holds a check of it.
   */
  shownBefore?: (targetId: string) => boolean | Promise<boolean>;
}

/** What both sessions share with the coordinator that runs them. */
export interface SessionContext {
  options: WindowCoordinatorOptions;
  heartbeatMs: number;
  now: () => number;
  /** The lease, when the windows share the history; undefined when this window checks on its own. */
  lease: WriterLease | undefined;
  /** The other windows' published targets and notices; undefined when they could not be shared. */
  board: SharedTargetsBoard | undefined;
  /** This window's own targets, as its settings define them now. */
  ownTargets(): readonly Target[];
  /** Their ids. */
  ownIds(): ReadonlySet<string>;
  /** Whether the coordinator is shutting down: a session still starting stops there. */
  disposed(): boolean;
  /** Tells this window's views of a change (`monitorChanges.ts`): the one stream they listen to. */
  announce(change: MonitorChange): void;
}

/** One role's work, from when the window takes the role until it leaves it. */
export interface WindowSession {
  readonly role: 'writer' | 'reader';
  /** What the views read: the writer's own store, or the writer's answers in a reading window. */
  readonly history: HistoryReader | undefined;
  /** The writer's engine and store; undefined in a reading window. */
  readonly engine: MonitorEngine | undefined;
  readonly store: HistoryStore | undefined;
  storeStatus(): StoreStatus | undefined;
  /** This window's targets changed; `before` maps each previous target's id to its URL. */
  targetsChanged(before: ReadonlyMap<string, string>): void;
  checkNow(targetId: string): Promise<CheckNowOutcome>;
  /** Writes everything recorded so far to disk. */
  flush(): Promise<void>;
  /** Leaves the role: stops checking or reading, and writes the history to disk. */
  close(): Promise<void>;
}

/** Events the writer passes on to the window whose target they are about: what it notifies. */
export const FORWARDED_EVENTS: ReadonlySet<MonitorEvent['type']> = new Set([
  'alert',
  'recovered',
  'reminder',
  'certificateExpiring',
  'warning',
]);

/** A check this window runs on its own, unrecorded, when no window that records would run it. */
export async function checkUnrecorded(options: WindowCoordinatorOptions, target: Target): Promise<CheckNowOutcome> {
  const result = await options.prober.check(target, AbortSignal.timeout(target.timeoutMs + 2_000));
  return { kind: 'checked-unrecorded', result };
}
