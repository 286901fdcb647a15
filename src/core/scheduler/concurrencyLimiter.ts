/**
 * A counting semaphore with a first-in, first-out queue: at most `limit` holders at once, and
 * waiters get a slot in the order they asked, so no target starves behind busier ones.
 */
import type { Disposable } from '../disposable';

/** Gives the slot back; calling it more than once releases once. */
export type ReleaseSlot = () => void;

interface Waiter {
  /** Set once granted, refused or abandoned, so an abandoned place is skipped. */
  done: boolean;
  grant: (release: ReleaseSlot) => void;
  refuse: (reason: unknown) => void;
}

export class ConcurrencyLimiter implements Disposable {
  private active = 0;
  /** A plain array with a moving head: O(1) dequeue without shifting thousands of waiters. */
  private queue: Waiter[] = [];
  private head = 0;
  private disposed = false;

  constructor(private limit: number) {
    ConcurrencyLimiter.checkLimit(limit);
  }

  private static checkLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`The concurrency limit must be a whole number of at least 1 (got ${limit}).`);
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    let count = 0;
    for (let i = this.head; i < this.queue.length; i++) if (!this.queue[i]!.done) count++;
    return count;
  }

  /** A higher limit admits waiters at once; a lower one takes effect as holders release. */
  setLimit(limit: number): void {
    ConcurrencyLimiter.checkLimit(limit);
    this.limit = limit;
    this.grantWaiting();
  }

  /**
   * Resolves with a release function once a slot is free. Rejects with the signal's reason if the
   * signal aborts while waiting (the place in the queue is given up), or when the limiter is disposed.
   */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot> {
    if (this.disposed) return Promise.reject(new Error('The concurrency limiter has been disposed.'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const onAbort = (): void => {
        if (waiter.done) return;
        waiter.done = true;
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        done: false,
        grant: (release) => {
          waiter.done = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        refuse: (reason) => {
          waiter.done = true;
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      this.queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.grantWaiting();
    });
  }

  /** Refuses every waiter. Holders may still release; no slot is granted afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const waiters = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    for (const waiter of waiters) if (!waiter.done) waiter.refuse(new Error('The concurrency limiter has been disposed.'));
  }

  private makeRelease(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.grantWaiting();
    };
  }

  private grantWaiting(): void {
    while (!this.disposed && this.active < this.limit && this.head < this.queue.length) {
      const waiter = this.queue[this.head]!;
      this.head++;
      if (waiter.done) continue;
      this.active++;
      waiter.grant(this.makeRelease());
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
