/**
 * Time as the scheduler sees it. The real clock in the product and in integration tests; a
 * manual one in unit tests, so schedules and retries can be stepped through deterministically.
 */

/** An opaque handle from `setTimer`. */
export type TimerHandle = unknown;

export interface SchedulerClock {
  /** Epoch milliseconds. */
  now(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
