/**
 * What a body pattern costs the extension host's thread. The patterns are the worst cases found
 * for re2js (no literal to skip ahead by, about 1,000 compiled steps per body byte) and a usual
 * one, on a 40 KB body:
 *  - inline: the time re2js takes on this thread, which is what a check cost before matching
 *    moved to the worker (every view of the editor froze meanwhile);
 *  - worker: the longest stall of this thread's event loop while `matchPattern` runs, and the
 *    time until it answered or was stopped at PATTERN_TIME_LIMIT_MS.
 */
import { performance } from 'node:perf_hooks';
import { RE2JS } from 're2js';
import { matchPattern, PatternTooSlow, PATTERN_TIME_LIMIT_MS } from '../src/core/probes/bodyPatterns';

const BODY = 'a'.repeat(40_000);
const PATTERNS = ['"status":\\s*"ok"', '\\w{500}\\s', '[a-z]{1000}[^a-z]', '\\pL{1000}\\PL'];

/** Runs `work` while a 1 ms timer measures the longest gap between its turns on this thread. */
async function withLongestStall<T>(work: () => Promise<T>): Promise<{ value: T | PatternTooSlow; longestStallMs: number; wallMs: number }> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  const started = performance.now();
  let value: T | PatternTooSlow;
  try {
    value = await work();
  } catch (error) {
    if (!(error instanceof PatternTooSlow)) throw error;
    value = error;
  }
  const wallMs = performance.now() - started;
  clearInterval(ticker);
  longest = Math.max(longest, performance.now() - last);
  return { value, longestStallMs: longest, wallMs };
}

async function main(): Promise<void> {
  await matchPattern('warm-up', 0, 'the worker starts once');
  console.log(`body ${BODY.length} bytes; worker time limit ${PATTERN_TIME_LIMIT_MS} ms`);
  console.log('pattern                     steps  inline ms  worker: longest stall ms  answered ms  outcome');
  for (const pattern of PATTERNS) {
    const regex = RE2JS.compile(pattern);
    const inlineStarted = performance.now();
    regex.matcher(BODY).find();
    const inlineMs = performance.now() - inlineStarted;
    const viaWorker = await withLongestStall(() => matchPattern(pattern, 0, BODY));
    const outcome = viaWorker.value instanceof PatternTooSlow ? 'stopped' : `matched=${String(viaWorker.value)}`;
    console.log(
      `${pattern.padEnd(26)} ${String(regex.programSize()).padStart(6)} ${inlineMs.toFixed(1).padStart(10)} ${viaWorker.longestStallMs
        .toFixed(1)
        .padStart(25)} ${viaWorker.wallMs.toFixed(1).padStart(12)}  ${outcome}`,
    );
  }
}

void main();
