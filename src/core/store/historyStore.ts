/**
 * The history store's contract. The writer window (or the CLI) appends checks and state changes;
 * every window queries. Implementations must never import `vscode`.
 */
import type { Event } from '../events';
import type { UnusualPhase } from '../../shared/dashboardProtocol';
import type { CheckRecord, StateChangeRecord, TargetInfo } from './checkRecord';
import { answerFrom, askingThrough, type HistoryAnswers, type HistoryAsks } from './historyQuestions';

/** How long each level of detail is kept, in milliseconds. */
export interface RetentionPolicy {
  rawMs: number;
  minuteMs: number;
  hourMs: number;
  dayMs: number;
}

const DAY_MS = 86_400_000;

export const DEFAULT_RETENTION: RetentionPolicy = {
  rawMs: 7 * DAY_MS,
  minuteMs: 2 * DAY_MS,
  hourMs: 90 * DAY_MS,
  dayMs: 5 * 365 * DAY_MS,
};

/** A half-open time range `[from, to)` in epoch milliseconds. */
export interface TimeRange {
  from: number;
  to: number;
}

export interface SeriesRequest extends TimeRange {
  /** At most this many points come back (default 300). */
  maxPoints?: number;
}

/** Average time per phase, in milliseconds, over the checks that got an answer. */
export interface PhaseAverages {
  dns: number;
  connect: number;
  tls: number;
  firstByte: number;
  transfer: number;
}

/**
 * Latency figures count only checks that got an answer (UP and DEGRADED): a DOWN check's time is
 * the time it took to fail (often the timeout) and would say nothing about the server's speed.
 * `p95` is nearest-rank, exact to the histogram bucket width (5 %) whenever it is read from
 * rollups, and never above `max`.
 */
export interface LatencyStats {
  count: number;
  min: number | null;
  avg: number | null;
  p95: number | null;
  max: number | null;
}

export interface SeriesPoint {
  /** Start of the point's interval, epoch milliseconds. */
  time: number;
  /** Width of the interval the point summarises, milliseconds. */
  widthMs: number;
  count: number;
  up: number;
  degraded: number;
  down: number;
  /** Milliseconds over answered checks; null when none answered. */
  avg: number | null;
  min: number | null;
  max: number | null;
  p95: number | null;
  phases: PhaseAverages | null;
  /** Highest anomaly score in the interval; null when none was scored. */
  anomalyMax: number | null;
}

export type SeriesSource = 'raw' | 'minute' | 'hour' | 'day';

export interface Series {
  targetId: string;
  source: SeriesSource;
  points: SeriesPoint[];
}

export interface Incident {
  targetId: string;
  /** When the target left UP (entered DOWN or DEGRADED). */
  startedAt: number;
  /** When it came back UP, or was paused or removed; null while still ongoing. */
  endedAt: number | null;
  /** The worst state during the incident. */
  worst: 'DOWN' | 'DEGRADED';
  reason: string | null;
  message: string;
}

export interface AnomalyHit {
  targetId: string;
  startedAt: number;
  score: number;
  status: CheckRecord['status'];
  totalMs: number;
  /** The phase that made the check unusual, when the detector named one. */
  unusualPhase?: UnusualPhase;
}

export interface StoredTarget extends TargetInfo {
  /** When the store first heard of it. */
  firstSeenAt: number;
}

export type ExportFormat = 'csv' | 'json';

/** Something the host should tell the user about, once. Monitoring goes on in every case. */
export type StoreProblem =
  | {
      kind: 'corrupt-file';
      /** The file that could not be read. */
      file: string;
      /** Where it was moved; null for a read-only view, which never moves files. */
      movedTo: string | null;
      message: string;
    }
  | {
      kind: 'write-failed';
      /** errno code when there is one: ENOSPC, EACCES, EROFS, EFBIG... */
      code: string | null;
      message: string;
    }
  | { kind: 'write-recovered'; message: string }
  | {
      /** A good file that cannot be used now (a read error, a newer version's file): left as it is. */
      kind: 'unreadable';
      file: string;
      message: string;
    };

export interface StoreStatus {
  readOnly: boolean;
  /** Sequence number of the last change applied in memory. */
  lastSequence: number;
  /** Every change up to this sequence number is on disk (journal or snapshot). */
  durableSequence: number;
  /** Changes kept in memory waiting for the disk. */
  pendingWrites: number;
  /** The current write error, while writes are failing. */
  writeError: string | null;
  /** When the last snapshot was written by this process (epoch ms), or null. */
  lastSnapshotAt: number | null;
}

/** What every window can ask, writer or not: the questions of `historyQuestions.ts`, answered at once. */
export interface HistoryQueries extends HistoryAnswers {
  /** Fires when new data is visible: after a journal flush (writer) or a refresh (read-only). */
  readonly onDidChange: Event<void>;
  status(): StoreStatus;
  dispose(): Promise<void>;
}

/** The writer's side. */
export interface HistoryStore extends HistoryQueries {
  /** Records a check in memory and queues it for the journal; cheap and synchronous. */
  append(record: CheckRecord): void;
  recordStateChange(change: StateChangeRecord): void;
  upsertTarget(target: TargetInfo): void;
  /** Resolves once everything appended so far is on disk (or rejects with the write error). */
  flush(): Promise<void>;
}

/**
 * What the views ask, in every window: the questions of `historyQuestions.ts`. The writer answers
 * from its own database (`readerOf(store)`); a reading window does not load the history file at
 * all, it asks the writer (see `core/coordination/historyQueryChannel.ts`), so every answer
 * arrives asynchronously.
 */
export interface HistoryReader extends HistoryAsks {
  /** Fires when newer checks can be read. */
  readonly onDidChange: Event<void>;
}

/**
 * Every target's newest check, by target id, from one question: in a reading window each question
 * goes to the recording window, so a list of targets must not ask once per target.
 */
export async function latestChecks(history: HistoryReader | undefined): Promise<Map<string, CheckRecord>> {
  const records = history ? await history.latestAll() : [];
  return new Map(records.map((record) => [record.targetId, record]));
}

/** The reader of a history held in this process. */
export function readerOf(queries: HistoryQueries): HistoryReader {
  return { onDidChange: queries.onDidChange, ...askingThrough(async (name, args) => answerFrom(queries, name, args)) };
}
