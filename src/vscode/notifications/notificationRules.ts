/**
 * The rules that keep notifications few: alerts that arrive together are shown as one, a target
 * gets at most one notification per change of state, and anomaly notices are rate-limited.
 * No `vscode` here, so the rules are tested under plain Node.
 */
import type { Disposable } from '../../core/disposable';

/**
 * Collects items for `windowMs` after the first one arrives, then hands them over together: when
 * ten targets go down with the network, the user gets one summary instead of ten toasts.
 */
export class NotificationBatcher<T> implements Disposable {
  private items: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly windowMs: number,
    private readonly deliver: (items: T[]) => void,
  ) {}

  add(item: T): void {
    if (this.disposed) return;
    this.items.push(item);
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  /** Delivers what is queued now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const items = this.items;
    this.items = [];
    if (items.length > 0 && !this.disposed) this.deliver(items);
  }

  get pendingCount(): number {
    return this.items.length;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.items = [];
  }
}

export type NotifiedState = 'down' | 'up';

/**
 * Remembers what each target was last notified as, so a state is announced once: a second
 * "down" for the same outage is dropped, and "back up" is only said after a "down".
 */
export class StateNotificationLedger {
  private readonly last = new Map<string, NotifiedState>();

  /** True when `state` is news for this target; records it either way. */
  isNews(targetId: string, state: NotifiedState): boolean {
    const previous = this.last.get(targetId);
    this.last.set(targetId, state);
    return state === 'down' ? previous !== 'down' : previous === 'down';
  }

  forget(targetId: string): void {
    this.last.delete(targetId);
  }
}

/** At most one event per key every `intervalMs`, and at most `maxPerWindow` over all keys per interval. */
export class RateLimiter {
  private readonly lastByKey = new Map<string, number>();
  private recent: number[] = [];

  constructor(
    private readonly intervalMs: number,
    private readonly maxPerWindow: number,
  ) {}

  allow(key: string, now: number): boolean {
    const last = this.lastByKey.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.recent = this.recent.filter((at) => now - at < this.intervalMs);
    if (this.recent.length >= this.maxPerWindow) return false;
    this.lastByKey.set(key, now);
    this.recent.push(now);
    return true;
  }
}
