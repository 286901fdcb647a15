/**
 * What the local API reads and asks for. Both composition roots (the extension and the CLI) build
 * it with `createApiDataSource`, over the history store, the scheduler and the configured targets,
 * so the server never reaches into the engine itself.
 */
import { DEFAULT_ANOMALY_THRESHOLD } from '../anomaly/anomalyDetector';
import type { CheckResult } from '../probes/checkResult';
import type { TargetState } from '../scheduler/monitorEvent';
import type { HistoryQueries } from '../store/historyStore';
import type { Target } from '../targets/target';

/** Outcome of a check-now request. */
export type CheckNowOutcome =
  | { kind: 'checked'; result: CheckResult }
  | { kind: 'unknown-target' }
  /** This process cannot run checks (another VS Code window holds the writer lease and no forwarding was given). */
  | { kind: 'not-writer' }
  /** The check was abandoned: the target was paused or removed, or monitoring stopped. */
  | { kind: 'abandoned' };

/**
 * What the API shows of a target's live state: the scheduler's `TargetState` fits, and so does
 * what a window that only reads the history knows (status, failures in a row, the last check).
 */
export type ApiTargetState = Pick<TargetState, 'status' | 'consecutiveFailures' | 'statusSince'> &
  Partial<Pick<TargetState, 'lastResult' | 'nextCheckAt' | 'checking'>>;

export interface ApiDataSource {
  /** The shared history; every window can read it, writer or not. */
  history(): HistoryQueries | undefined;
  /** The targets in the user's settings, in their order. */
  targets(): readonly Target[];
  /** Live state; undefined where this process knows only the history. */
  state(targetId: string): ApiTargetState | undefined;
  checkNow(targetId: string): Promise<CheckNowOutcome>;
  /** Whether this process runs the checks and writes the history. */
  isWriter(): boolean;
  /** A score at or above this counts as an anomaly. */
  anomalyThreshold(): number;
  now(): number;
}

/**
 * Who answers state and check-now requests: the engine (over its scheduler) in the CLI, or in the
 * extension an adapter over the monitor service, which forwards them to the writer window from a
 * window that only reads the history.
 */
export interface ApiScheduler {
  state(id: string): ApiTargetState | undefined;
  checkNow(id: string): Promise<CheckResult | undefined>;
}

/** A value, or a getter for one that the composition root swaps (the store reopened read-only...). */
export type Live<T> = T | (() => T);

export interface ApiDataSourceParts {
  store: Live<HistoryQueries | undefined>;
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

export function createApiDataSource(parts: ApiDataSourceParts): ApiDataSource {
  const scheduler = (): ApiScheduler | undefined => (parts.scheduler === undefined ? undefined : read(parts.scheduler));
  return {
    history: () => read(parts.store),
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
