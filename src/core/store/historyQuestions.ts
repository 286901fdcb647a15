/**
 * Every question the views may ask of the history, declared once: its name, how its arguments are
 * checked and rebuilt, and what it answers. Everything else is derived from this list:
 *
 * - `HistoryQueries` (a history held in this process answers each question at once) and
 *   `HistoryReader` (the same questions, answered asynchronously, perhaps by another window);
 * - `readerOf`, the reader of a history held in this process;
 * - both ends of the socket a reading window asks the recording window through
 *   (`core/coordination/historyQueryChannel.ts`): the asking end checks its arguments before they
 *   leave, and the answering end checks them again, since anything arriving on the socket is
 *   untrusted; a question not in this list is refused there.
 *
 * Adding a question: declare it here, then answer it in `HistoryDatabase` (and forward it in
 * `LoadedHistory`); the compiler points at each place that must answer it.
 */
import type { CheckRecord } from './checkRecord';
import type { ExportedCheck } from './historyExport';
import type { AnomalyHit, ExportFormat, Incident, LatencyStats, Series, SeriesRequest, StoredTarget, TimeRange } from './historyStore';

/** Raised for arguments of the wrong shape; its message says which argument and what it must be. */
export class BadQuestionError extends Error {}

const MAX_TEXT = 2_048;
const MAX_TARGET_IDS = 10_000;
const MAX_SERIES_POINTS = 20_000;
/** The most raw checks one `checks` question returns. */
export const MAX_CHECKS_PER_QUESTION = 10_000;

// ---- Argument checks: each rebuilds the value, so nothing from a socket is passed on as it came ---

/** A short string (an id, a name). */
export function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length > MAX_TEXT) throw new BadQuestionError(`${what} must be a short string.`);
  return value;
}

function optionalText(value: unknown, what: string): string | undefined {
  return value === undefined || value === null ? undefined : text(value, what);
}

export function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new BadQuestionError(`${what} must be a finite number.`);
  return value;
}

function range(value: unknown): TimeRange {
  if (typeof value !== 'object' || value === null) throw new BadQuestionError('The range must be an object with from and to.');
  const candidate = value as Partial<TimeRange>;
  return { from: finite(candidate.from, 'from'), to: finite(candidate.to, 'to') };
}

/** A count clamped to `[min, max]`; absent (undefined or null) when `value` is. */
function optionalCount(value: unknown, what: string, min: number, max: number): number | undefined {
  return value === undefined || value === null ? undefined : Math.min(max, Math.max(min, Math.floor(finite(value, what))));
}

function targetIds(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > MAX_TARGET_IDS) throw new BadQuestionError('targetIds must be a list of ids.');
  return value.map((id) => text(id, 'targetId'));
}

function exportFormat(value: unknown): ExportFormat {
  if (value !== 'csv' && value !== 'json') throw new BadQuestionError('format must be csv or json.');
  return value;
}

// ---- The questions -------------------------------------------------------------------------------

/** One question: how its arguments are checked, and (as a type) its arguments and its answer. */
export interface QuestionDeclaration<Args extends unknown[], Answer> {
  /** Checks arguments of unknown shape and rebuilds them; throws `BadQuestionError` with a clear message. */
  checkArguments(args: readonly unknown[]): Args;
  /** An answer that can take long (a whole export): the asking end waits longer for it. */
  slow: boolean;
  /** Never set: carries the answer's type to the derived interfaces. */
  readonly answer?: Answer;
}

/** Declares one question (or, in `core/coordination/windowRequests.ts`, one request to the recording window). */
export function question<Args extends unknown[], Answer>(
  checkArguments: (args: readonly unknown[]) => Args,
  options: { slow?: boolean } = {},
): QuestionDeclaration<Args, Answer> {
  return { checkArguments, slow: options.slow ?? false };
}

/** A target's newest raw checks in a range, oldest first. */
export interface RecentChecks {
  checks: ExportedCheck[];
  /** Older checks of the range were left out to keep within the limit. */
  truncated: boolean;
}

export const HISTORY_QUESTIONS = {
  latest: question<[targetId: string], CheckRecord | undefined>(([targetId]) => [text(targetId, 'targetId')]),
  latestAll: question<[], CheckRecord[]>(() => []),
  targets: question<[], StoredTarget[]>(() => []),
  /**
   * Share of checks that were available in `[sinceMs, untilMs)`: (UP + DEGRADED) / all. DEGRADED
   * counts as available, as in most monitors: the service answered correctly, only slowly. Null
   * when there was no check.
   */
  uptime: question<[targetId: string, sinceMs: number, untilMs: number], number | null>(([targetId, since, until]) => [
    text(targetId, 'targetId'),
    finite(since, 'since'),
    finite(until, 'until'),
  ]),
  latencyStats: question<[targetId: string, range: TimeRange], LatencyStats>(([targetId, span]) => [
    text(targetId, 'targetId'),
    range(span),
  ]),
  series: question<[targetId: string, request: SeriesRequest], Series>(([targetId, request]) => [
    text(targetId, 'targetId'),
    { ...range(request), maxPoints: optionalCount((request as Partial<SeriesRequest>).maxPoints, 'maxPoints', 0, MAX_SERIES_POINTS) },
  ]),
  incidents: question<[targetId: string | undefined, range: TimeRange], Incident[]>(([targetId, span]) => [
    optionalText(targetId, 'targetId'),
    range(span),
  ]),
  /** Scored checks at or above `minScore` in the range, newest last, the newest `limit` of them; of one target when `targetId` is given. */
  anomalies: question<[range: TimeRange, minScore: number, limit?: number, targetId?: string], AnomalyHit[]>(
    ([span, minScore, limit, targetId]) => [
      range(span),
      finite(minScore, 'minScore'),
      optionalCount(limit, 'limit', 0, Number.MAX_SAFE_INTEGER),
      optionalText(targetId, 'targetId'),
    ],
  ),
  /** The newest `limit` raw checks of one target in the range (at most `MAX_CHECKS_PER_QUESTION`), oldest first. */
  checks: question<[targetId: string, range: TimeRange, limit: number], RecentChecks>(([targetId, span, limit]) => [
    text(targetId, 'targetId'),
    range(span),
    optionalCount(limit, 'limit', 1, MAX_CHECKS_PER_QUESTION) ?? MAX_CHECKS_PER_QUESTION,
  ]),
  /** Every raw check of the range, as Export History writes it. */
  exportRange: question<[targetIds: readonly string[] | undefined, range: TimeRange, format: ExportFormat], string>(
    ([ids, span, format]) => [targetIds(ids), range(span), exportFormat(format)],
    { slow: true },
  ),
};

export type HistoryQuestion = keyof typeof HISTORY_QUESTIONS;
export type ArgumentsOf<D> = D extends QuestionDeclaration<infer Args, unknown> ? Args : never;
export type AnswerOf<D> = D extends QuestionDeclaration<unknown[], infer Answer> ? Answer : never;
export type QuestionArguments<Q extends HistoryQuestion> = ArgumentsOf<(typeof HISTORY_QUESTIONS)[Q]>;
export type QuestionAnswer<Q extends HistoryQuestion> = AnswerOf<(typeof HISTORY_QUESTIONS)[Q]>;

/** Every question, answered at once by a history held in this process. */
export type HistoryAnswers = { [Q in HistoryQuestion]: (...args: QuestionArguments<Q>) => QuestionAnswer<Q> };
/** Every question, answered asynchronously (in a reading window, by the recording window). */
export type HistoryAsks = { [Q in HistoryQuestion]: (...args: QuestionArguments<Q>) => Promise<QuestionAnswer<Q>> };

export const HISTORY_QUESTION_NAMES = Object.keys(HISTORY_QUESTIONS) as HistoryQuestion[];

export function isHistoryQuestion(value: unknown): value is HistoryQuestion {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(HISTORY_QUESTIONS, value);
}

/** Sends one question somewhere (a history in this process, or a socket) and resolves with its answer. */
export type QuestionSender = <Q extends HistoryQuestion>(question: Q, args: QuestionArguments<Q>) => Promise<QuestionAnswer<Q>>;

/** An object with one method per question, each passing its arguments to `send`. */
export function askingThrough(send: QuestionSender): HistoryAsks {
  const asks: Partial<Record<HistoryQuestion, (...args: never[]) => Promise<unknown>>> = {};
  for (const name of HISTORY_QUESTION_NAMES) asks[name] = (...args: never[]) => send(name, args as QuestionArguments<typeof name>);
  return asks as HistoryAsks;
}

/** Asks `history` one question with arguments already checked: one call for every question's signature. */
export function answerFrom<Q extends HistoryQuestion>(history: HistoryAnswers, name: Q, args: QuestionArguments<Q>): QuestionAnswer<Q> {
  return (history[name] as (...args: QuestionArguments<Q>) => QuestionAnswer<Q>)(...args);
}
