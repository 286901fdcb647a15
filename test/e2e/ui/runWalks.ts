/**
 * `npm run test:ui`: runs every UI walk (test/e2e/ui/*.walk.ts) under Node's test runner, one at
 * a time (each starts its own VS Code), in a loopback-only network namespace when one can be
 * made. Expects the packaged extension (npm run package). Arguments narrow the run to walk files
 * whose name contains one of them: `npm run test:ui -- tree`.
 *
 * A walk that fails is run once more, in a fresh VS Code, and a pass on that second attempt is
 * printed as a flake, by name, in the summary: visible, never hidden. The first attempt's
 * screenshots and logs stay in test-results/ui/<walk>/, the second's in <walk>-attempt2/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { rerunInLoopbackNamespace } from '../host/loopbackNamespace';
import { DEFAULT_VSIX } from './workbenchDriver';

function main(): number {
  const fromNamespace = rerunInLoopbackNamespace();
  if (fromNamespace !== undefined) return fromNamespace;
  const vsix = process.env.NM_E2E_VSIX ?? DEFAULT_VSIX;
  if (!existsSync(vsix)) {
    console.error(`No packaged extension at ${vsix}. Build it with: npm run package`);
    return 1;
  }
  const filters = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const walks = readdirSync(__dirname)
    .filter((name) => name.endsWith('.walk.ts'))
    .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
    .sort()
    .map((name) => join(__dirname, name));
  if (walks.length === 0) {
    console.error(`No walk in ${__dirname} matches ${filters.join(', ')}.`);
    return 1;
  }
  const outcomes = walks.map((walk) => runWithOneRetry(walk, vsix));
  const flaky = outcomes.filter((outcome) => outcome.attempts === 2 && outcome.passed);
  const failed = outcomes.filter((outcome) => !outcome.passed);
  console.log('\n=== UI walks ===');
  for (const outcome of outcomes) {
    const verdict = !outcome.passed
      ? 'FAILED twice'
      : outcome.attempts === 2
        ? 'passed on its second attempt (FLAKY: the first failed, see above)'
        : 'passed';
    console.log(`${basename(outcome.walk)}: ${verdict}`);
  }
  if (flaky.length > 0)
    console.log(`${flaky.length} walk(s) passed only when retried: ${flaky.map((outcome) => basename(outcome.walk)).join(', ')}`);
  console.log(`walks: ${outcomes.length - failed.length} passed, ${failed.length} failed`);
  return failed.length === 0 ? 0 : 1;
}

interface WalkOutcome {
  walk: string;
  passed: boolean;
  attempts: number;
}

function runWithOneRetry(walk: string, vsix: string): WalkOutcome {
  for (let attempt = 1; attempt <= 2; attempt++) {
    if (attempt === 2) console.log(`\n[ui] ${basename(walk)} failed; running it once more in a fresh VS Code.`);
    const run = spawnSync(process.execPath, [...process.execArgv, '--test', '--test-reporter=spec', walk], {
      stdio: 'inherit',
      env: { ...process.env, NM_E2E_VSIX: vsix, NM_E2E_WALK_ATTEMPT: String(attempt) },
      // Each walk bounds its own waits; this only stops a walk that hangs outright.
      timeout: 15 * 60_000,
    });
    if (run.error) console.error(`[ui] ${basename(walk)} did not finish: ${run.error.message}`);
    if (run.status === 0) return { walk, passed: true, attempts: attempt };
  }
  return { walk, passed: false, attempts: 2 };
}

process.exit(main());
