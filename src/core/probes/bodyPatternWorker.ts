/**
 * The worker thread that matches body patterns (bodyPatterns.ts starts it). RE2 matches in time
 * linear in the body, but the factor is the size of the compiled pattern: `\pL{1000}\PL` costs
 * seconds on a 40 KB body. Here that time is spent off the extension host's thread, and the
 * worker is stopped when it runs past its limit.
 */
import { parentPort } from 'node:worker_threads';
import { RE2JS } from 're2js';
import type { PatternJob, PatternAnswer } from './bodyPatterns';

/** Compiled patterns by source and flags; a target's pattern is matched on every check. */
const compiled = new Map<string, RE2JS>();
const MAX_COMPILED = 256;

parentPort!.on('message', (job: PatternJob) => {
  let answer: PatternAnswer;
  try {
    answer = { matched: compile(job.pattern, job.flags).matcher(job.text).find() };
  } catch (error) {
    answer = { error: (error as Error).message };
  }
  parentPort!.postMessage(answer);
});
parentPort!.postMessage({ ready: true } satisfies PatternAnswer);

function compile(pattern: string, flags: number): RE2JS {
  const key = `${flags}/${pattern}`;
  let regex = compiled.get(key);
  if (regex === undefined) {
    regex = RE2JS.compile(pattern, flags);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, regex);
  }
  return regex;
}
