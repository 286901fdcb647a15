/** Anything that holds timers, sockets, listeners or files and must let them go. */
export interface Disposable {
  dispose(): void;
}

/** Wraps a release function; calling `dispose()` more than once runs it once. */
export function toDisposable(release: () => void): Disposable {
  let released = false;
  return {
    dispose(): void {
      if (released) return;
      released = true;
      release();
    },
  };
}
