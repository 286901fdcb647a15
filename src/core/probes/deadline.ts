/**
 * The one deadline of a check, and the caller's cancellation, as a list of callbacks. Lighter than
 * an AbortController per check with listeners per step, which showed in the CPU cost per check.
 */
import { ProbeFailure } from './failure';

export class Deadline {
  private readonly callbacks = new Set<(reason: unknown) => void>();
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort: (() => void) | undefined;
  /** Set once the deadline passed or the caller aborted. */
  reason: unknown = undefined;
  /** True when the caller aborted (not the deadline). */
  callerAborted = false;

  constructor(
    timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => this.cancel(new ProbeFailure('TIMEOUT', `No answer within ${timeoutMs} ms.`)), timeoutMs);
    if (signal) {
      this.onCallerAbort = () => {
        this.callerAborted = true;
        this.cancel(signal.reason);
      };
      if (signal.aborted) this.onCallerAbort();
      else signal.addEventListener('abort', this.onCallerAbort, { once: true });
    }
  }

  get expired(): boolean {
    return this.reason !== undefined;
  }

  /** Runs `callback` when the check is cancelled; returns a function that unregisters it. */
  onCancel(callback: (reason: unknown) => void): () => void {
    if (this.expired) {
      callback(this.reason);
      return () => {};
    }
    this.callbacks.add(callback);
    return () => this.callbacks.delete(callback);
  }

  /** Races `promise` against the deadline. */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.expired) return Promise.reject(this.reason);
    return new Promise<T>((resolve, reject) => {
      const unregister = this.onCancel(reject);
      promise.then(
        (value) => {
          unregister();
          resolve(value);
        },
        (error: unknown) => {
          unregister();
          reject(error);
        },
      );
    });
  }

  private cancel(reason: unknown): void {
    if (this.expired) return;
    this.reason = reason;
    for (const callback of [...this.callbacks]) callback(reason);
    this.callbacks.clear();
  }

  dispose(): void {
    clearTimeout(this.timer);
    if (this.onCallerAbort) this.signal?.removeEventListener('abort', this.onCallerAbort);
    this.callbacks.clear();
  }
}
