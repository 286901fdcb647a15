/**
 * Matching a body against a regular expression from settings, off the extension host's thread.
 *
 * The pattern comes from settings (a repository can write them) and the body from the server, and
 * RE2's linear time is linear in body size × compiled pattern size: a 12-character pattern like
 * `\pL{1000}\PL` took 4.8 s on a 40 KB body with re2js 2.10 (`npm run bench -- bodyPattern`).
 * So every match runs in one worker thread (bodyPatternWorker.ts), one at a time, each with a time
 * limit; a match past it stops the worker (a new one starts for the next match) and the check
 * says the pattern was too slow for the body instead of freezing every view of the editor.
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** The longest a match may run before its worker is stopped. */
export const PATTERN_TIME_LIMIT_MS = 500;

export interface PatternJob {
  pattern: string;
  /** RE2JS flags. */
  flags: number;
  text: string;
}

/** The worker's messages: `ready` once it has loaded, then one answer per job. */
export type PatternAnswer = { ready: true } | { matched: boolean } | { error: string };

/** A match ran past PATTERN_TIME_LIMIT_MS and was stopped. */
export class PatternTooSlow extends Error {
  constructor() {
    super(`matching took longer than ${PATTERN_TIME_LIMIT_MS} ms on this body, so it was stopped`);
    this.name = 'PatternTooSlow';
  }
}

interface QueuedJob extends PatternJob {
  resolve(matched: boolean): void;
  reject(error: Error): void;
}

/** A body is at most a few MiB; RE2's state sets stay far below this. */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 256 };

const queue: QueuedJob[] = [];
let worker: Worker | undefined;
/** The worker has loaded RE2 and can take a job; its start-up is not counted against a match. */
let workerReady = false;
let running: { job: QueuedJob; timer: NodeJS.Timeout } | undefined;
let workersStopped = 0;

/** Whether `text` matches; rejects with PatternTooSlow when the match ran past its limit. */
export function matchPattern(pattern: string, flags: number, text: string): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    queue.push({ pattern, flags, text, resolve, reject });
    startNext();
  });
}

/** How many workers were stopped for running past their limit (for tests and diagnostics). */
export function patternWorkersStopped(): number {
  return workersStopped;
}

function startNext(): void {
  if (running === undefined && queue.length > 0) {
    worker ??= startWorker();
    if (workerReady) run(worker, queue.shift()!);
  }
  holdProcessWhileBusy();
}

function run(ready: Worker, job: QueuedJob): void {
  const { pattern, flags, text } = job;
  ready.postMessage({ pattern, flags, text } satisfies PatternJob);
  // The limit counts from when the worker gets the job, not while it waits in the queue.
  const timer = setTimeout(() => {
    workersStopped++;
    stopWorker();
    finish((queued) => queued.reject(new PatternTooSlow()));
  }, PATTERN_TIME_LIMIT_MS);
  running = { job, timer };
}

function finish(settle: (job: QueuedJob) => void): void {
  if (running === undefined) return;
  clearTimeout(running.timer);
  const { job } = running;
  running = undefined;
  settle(job);
  startNext();
}

/** An idle worker must not keep the CLI (or a test) alive; a busy one must, while it starts too. */
function holdProcessWhileBusy(): void {
  if (running !== undefined || queue.length > 0) worker?.ref();
  else worker?.unref();
}

function startWorker(): Worker {
  const started = newWorker();
  started.on('message', (answer: PatternAnswer) => {
    if (started !== worker) return;
    if ('ready' in answer) {
      workerReady = true;
      startNext();
      return;
    }
    finish((job) => ('matched' in answer ? job.resolve(answer.matched) : job.reject(new Error(answer.error))));
  });
  const lost = (error: Error): void => {
    if (started !== worker) return;
    worker = undefined;
    workerReady = false;
    if (running !== undefined) {
      finish((job) => job.reject(error));
      return;
    }
    // It never started: the jobs waiting for it would wait for ever, and a new one would fail alike.
    for (const job of queue.splice(0)) job.reject(error);
  };
  started.on('error', lost);
  started.on('exit', (code) => lost(new Error(`the pattern worker stopped (exit code ${code})`)));
  return started;
}

function stopWorker(): void {
  const stopped = worker;
  worker = undefined;
  workerReady = false;
  stopped?.terminate().catch(() => {});
}

/**
 * The bundles (extension and CLI) ship the worker as dist/bodyPatternWorker.js beside them. From
 * the TypeScript sources (the tests, `tsx`) it is a .ts file, which a worker loads through tsx.
 */
function newWorker(): Worker {
  if (extname(__filename) === '.ts') {
    const source = join(__dirname, 'bodyPatternWorker.ts');
    return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true, resourceLimits: WORKER_LIMITS });
  }
  return new Worker(join(__dirname, 'bodyPatternWorker.js'), { resourceLimits: WORKER_LIMITS });
}
