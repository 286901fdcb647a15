/**
 * A minimal typed event emitter for the core, which cannot use `vscode.EventEmitter`. The shape
 * matches VS Code's (`event(listener)` returns a Disposable) so adapters can forward it as is.
 */
import { type Disposable, toDisposable } from './disposable';

export type Listener<T> = (value: T) => void;

/** Subscribes a listener; dispose the result to unsubscribe. */
export type Event<T> = (listener: Listener<T>) => Disposable;

export interface EmitterOptions {
  /**
   * Called when a listener throws. A failing subscriber (a view, the store) must not stop the
   * others from hearing the event or break the code that fired it. Defaults to `console.error`.
   */
  onListenerError?: (error: unknown) => void;
}

export class Emitter<T> implements Disposable {
  private listeners: Listener<T>[] = [];
  private disposed = false;
  private readonly onListenerError: (error: unknown) => void;

  constructor(options: EmitterOptions = {}) {
    this.onListenerError = options.onListenerError ?? ((error) => console.error('An event listener failed:', error));
  }

  /** A bound function, so it can be handed out as `readonly onX = this.emitter.event`. */
  readonly event: Event<T> = (listener) => {
    if (this.disposed) return toDisposable(() => undefined);
    this.listeners = [...this.listeners, listener];
    return toDisposable(() => {
      this.listeners = this.listeners.filter((candidate) => candidate !== listener);
    });
  };

  get listenerCount(): number {
    return this.listeners.length;
  }

  /**
   * Calls every listener subscribed at the time of the call, in subscription order. Listeners
   * added or removed while firing take effect from the next event (the array is replaced, never
   * mutated, so iteration is stable).
   */
  fire(value: T): void {
    if (this.disposed) return;
    for (const listener of this.listeners) {
      try {
        listener(value);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}
