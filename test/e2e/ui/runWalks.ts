/**
 * `npm run test:ui`: runs every UI walk (test/e2e/ui/*.walk.ts) under Node's test runner, one at
 * a time (each starts its own VS Code), in a loopback-only network namespace when one can be
 * made. Expects the packaged extension (npm run package). Arguments narrow the run to walk files
 * whose name contains one of them: `npm run test:ui -- tree`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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
  const run = spawnSync(process.execPath, [...process.execArgv, '--test', '--test-concurrency=1', '--test-reporter=spec', ...walks], {
    stdio: 'inherit',
    env: { ...process.env, NM_E2E_VSIX: vsix },
    // Each walk bounds its own waits; this only stops a run that hangs outright.
    timeout: 20 * 60_000,
  });
  if (run.error) console.error(`The UI walks did not finish: ${run.error.message}`);
  return run.status ?? 1;
}

process.exit(main());
