/**
 * What a reading window asks the recording window to do (rather than to read), declared as the
 * history questions are (`core/store/historyQuestions.ts`), and sent over the same socket
 * (`historyQueryChannel.ts`): the asking end and the answering end both check the arguments by
 * these declarations.
 */
import type { CheckResult } from '../probes/checkResult';
import { type AnswerOf, type ArgumentsOf, finite, question, text } from '../store/historyQuestions';

/** The shortest and longest a reading window waits for a Check Now it asked for. */
const MIN_CHECK_WAIT_MS = 1_000;
const MAX_CHECK_WAIT_MS = 10 * 60_000;

export const WRITER_REQUESTS = {
  /**
   * Check one target now, in the recording window, which records it like any other check. Undefined
   * when the recording window does not check that target (it could not build it, or it was paused
   * or removed meanwhile). `waitMs` is how long the asking window waits for the answer.
   */
  checkNow: question<[targetId: string, waitMs: number], CheckResult | undefined>(([targetId, waitMs]) => [
    text(targetId, 'targetId'),
    Math.min(MAX_CHECK_WAIT_MS, Math.max(MIN_CHECK_WAIT_MS, finite(waitMs, 'waitMs'))),
  ]),
};

export type WriterRequest = keyof typeof WRITER_REQUESTS;
export type RequestArguments<R extends WriterRequest> = ArgumentsOf<(typeof WRITER_REQUESTS)[R]>;
export type RequestAnswer<R extends WriterRequest> = AnswerOf<(typeof WRITER_REQUESTS)[R]>;

/** How the recording window carries out each request. */
export type WriterRequestHandlers = { [R in WriterRequest]: (...args: RequestArguments<R>) => Promise<RequestAnswer<R>> };

export function isWriterRequest(value: unknown): value is WriterRequest {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(WRITER_REQUESTS, value);
}

/** How long the asking window waits for a request's answer, from its checked arguments. */
export function answerWaitMs<R extends WriterRequest>(name: R, args: RequestArguments<R>): number {
  switch (name) {
    case 'checkNow':
      return args[1];
  }
  return 0;
}

/** Carries out one request with arguments already checked. */
export function carryOut<R extends WriterRequest>(
  handlers: WriterRequestHandlers,
  name: R,
  args: RequestArguments<R>,
): Promise<RequestAnswer<R>> {
  return (handlers[name] as (...args: RequestArguments<R>) => Promise<RequestAnswer<R>>)(...args);
}
