// @vscode/test-cli configuration: `npx vscode-test` runs test/e2e/suite/*.test.ts (bundled into
// out/e2e/ when this file loads) inside a real VS Code with this repository as the extension.
//
// Which VS Code, from NM_VSCODE_TEST_HOST:
//   desktop      desktop VS Code, downloaded by @vscode/test-electron (needs update.code.visualstudio.com);
//   code-server  the project's code-server (scripts/installVscodeHost.sh), through test/e2e/codeShim.sh.
// Unset, code-server is used when it is installed in .vscode-host, desktop otherwise.
import { defineConfig } from '@vscode/test-cli';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildE2eSuites } from './test/e2e/buildSuites.mjs';

const repoRoot = dirname(fileURLToPath(import.meta.url));
const hostDir = process.env.NM_VSCODE_HOST_DIR ?? join(repoRoot, '.vscode-host');
const host =
  process.env.NM_VSCODE_TEST_HOST ?? (existsSync(join(hostDir, 'cs', 'node_modules', '.bin', 'code-server')) ? 'code-server' : 'desktop');
if (host !== 'desktop' && host !== 'code-server') {
  throw new Error(`NM_VSCODE_TEST_HOST is "${host}"; set it to "desktop" or "code-server".`);
}

await buildE2eSuites();

export default defineConfig({
  label: `extension host (${host})`,
  files: 'out/e2e/suite/*.test.js',
  extensionDevelopmentPath: repoRoot,
  mocha: { ui: 'bdd', timeout: 30_000 },
  ...(host === 'code-server' ? { useInstallation: { fromPath: join(repoRoot, 'test', 'e2e', 'codeShim.sh') } } : {}),
});
