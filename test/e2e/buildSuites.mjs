// Bundles the in-host test entry (test/e2e/suiteIndex.ts) and every test/e2e/suite/*.test.ts into
// out/e2e/ as CommonJS for the extension host: `vscode` and `mocha` stay external (the host
// provides the first, the repo's node_modules the second). Used by `npm run test:vscode` and by
// .vscode-test.mjs, so both routes run the same files.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const e2eOutDir = join(repoRoot, 'out', 'e2e');
export const e2eSuiteIndex = join(e2eOutDir, 'suiteIndex.js');

export async function buildE2eSuites() {
  const suiteDir = join(repoRoot, 'test', 'e2e', 'suite');
  const entryPoints = { suiteIndex: join(repoRoot, 'test', 'e2e', 'suiteIndex.ts') };
  for (const name of readdirSync(suiteDir).filter((file) => file.endsWith('.test.ts'))) {
    entryPoints[`suite/${name.replace(/\.ts$/, '')}`] = join(suiteDir, name);
  }
  // A suite deleted from test/e2e/suite must not keep running from a stale bundle.
  rmSync(e2eOutDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints,
    outdir: e2eOutDir,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return Object.keys(entryPoints)
    .filter((name) => name.startsWith('suite/'))
    .map((name) => join(e2eOutDir, `${name}.js`));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const suites = await buildE2eSuites();
  console.log(`[e2e] bundled ${suites.length} suite(s) into ${e2eOutDir}`);
}
