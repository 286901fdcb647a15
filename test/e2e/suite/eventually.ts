/**
 * The one way the in-host suites wait: for a condition, never for a fixed time. The default
 * timeout is generous because CI machines are shared (two cores, often another build beside us);
 * a wait that times out says what it was waiting for.
 */
import * as assert from 'node:assert/strict';

/** How long a suite waits for something that should happen within a check interval or two. */
export const WAIT_MS = 45_000;

/**
 * Polls `probe` (which may be async) every 50 ms until it returns something other than `undefined` or `false`, and
 * returns that; fails with "Timed out ... waiting until <what>" after `timeoutMs`.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = WAIT_MS,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) assert.fail(`Timed out after ${timeoutMs / 1000} s waiting until ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
