/**
 * What the local API reads and asks for. Both composition roots (the extension and the CLI) build
 * it with `createApiDataSource`, over the history store, the scheduler and the configured targets,
 * so the server never reaches into the engine itself.
 */
import { DEFAULT_ANOMALY_THRESHOLD } from '../anomaly/anomalyDetector';
import type { CheckNowOutcome } from '../monitorEngine';
import type { CheckResult } from '../probes/checkResult';
import type { TargetState } from '../scheduler/monitorEvent';
import { type HistoryQueries, type HistoryReader, readerOf, type StoreStatus } from '../store/historyStore';
import type { Target } from '../targets/target';

export interface ApiDataSource {
  /** The shared history; every window can read it, writer or not. Its answers may come from another window. */
  history(): HistoryReader | undefined;
  /** The store's own figures (/api/health), where this process holds the history. */
  storeStatus(): StoreStatus | undefined;
  /** The targets in the user's settings, in their order. */
  targets(): readonly Target[];
  /** Live state, the scheduler's own; undefined where this process knows only the history. */
  state(targetId: string): TargetState | undefined;
  checkNow(targetId: string): Promise<CheckNowOutcome>;
  /** Whether this process runs the checks and writes the history. */
  isWriter(): boolean;
  /** A score at or above this counts as an anomaly. */
  anomalyThreshold(): number;
  now(): number;
}

/**
 * Who answers state and check-now requests: the engine (over its scheduler) in the CLI, or in the
 * extension the monitor service, which forwards them to the writer window from a window that only
 * reads the history. Both hand over the scheduler's whole `TargetState`, never a copy of some of
 * its fields, so the API shows the same state (checking, the next check...) from either.
 */
export interface ApiScheduler {
  state(id: string): TargetState | undefined;
  checkNow(id: string): Promise<CheckResult | undefined>;
}

/** A value, or a getter for one that the composition root swaps (the store reopened read-only...). */
export type Live<T> = T | (() => T);

export interface ApiDataSourceParts {
  /** The history: a store held in this process (the CLI's), read through `readerOf`, or a reader of it. */
  store: Live<HistoryQueries | HistoryReader | undefined>;
  /** The store's figures for /api/health when `store` gives a reader; a store gives its own. */
  storeStatus?: () => StoreStatus | undefined;
  /** Absent (or a getter returning undefined) where nothing can run checks: check-now answers 409. */
  scheduler?: Live<ApiScheduler | undefined>;
  getTargets: () => readonly Target[];
  isWriter: () => boolean;
  anomalyThreshold?: () => number;
  now?: () => number;
}

function read<T>(live: Live<T>): T {
  return typeof live === 'function' ? (live as () => T)() : live;
}

/** Only a store has its own status; a reader only answers the views' questions. */
function isStore(history: HistoryQueries | HistoryReader): history is HistoryQueries {
  return typeof (history as Partial<HistoryQueries>).status === 'function';
}

export function createApiDataSource(parts: ApiDataSourceParts): ApiDataSource {
  const scheduler = (): ApiScheduler | undefined => (parts.scheduler === undefined ? undefined : read(parts.scheduler));
  // One reader per store: the statistics tell a reopened history from the one they began with by identity.
  const readers = new WeakMap<HistoryQueries, HistoryReader>();
  const history = (): HistoryReader | undefined => {
    const current = read(parts.store);
    if (!current || !isStore(current)) return current;
    let reader = readers.get(current);
    if (!reader) readers.set(current, (reader = readerOf(current)));
    return reader;
  };
  return {
    history,
    storeStatus: () => {
      const current = read(parts.store);
      return current && isStore(current) ? current.status() : parts.storeStatus?.();
    },
    targets: parts.getTargets,
    state: (targetId) => scheduler()?.state(targetId),
    async checkNow(targetId) {
      if (!parts.getTargets().some((target) => target.id === targetId)) return { kind: 'unknown-target' };
      const running = scheduler();
      if (!running) return { kind: 'not-writer' };
      const result = await running.checkNow(targetId);
      return result ? { kind: 'checked', result } : { kind: 'abandoned' };
    },
    isWriter: parts.isWriter,
    anomalyThreshold: parts.anomalyThreshold ?? (() => DEFAULT_ANOMALY_THRESHOLD),
    now: parts.now ?? Date.now,
  };
}
