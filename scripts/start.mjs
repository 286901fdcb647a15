// `npm start`: runs the extension in a real VS Code against a set of local demo services.
//
// 1. Installs the npm dependencies when node_modules is missing (npm ci), then builds.
// 2. Starts the demo services on 127.0.0.1 (scripts/demoServers.ts) and writes a workspace,
//    out/demo-workspace/, whose .vscode/settings.json points networkMonitor.targets at them.
// 3. Opens VS Code on that workspace with this repository loaded as the extension: desktop
//    `code --extensionDevelopmentPath` when a `code` command exists, otherwise code-server on
//    127.0.0.1 (installed into .vscode-host/ on first use), printing the address and password.
// 4. Keeps the services (and code-server) running until Ctrl+C, then stops all of them.
//
// NM_START_HOST=code-server uses code-server even when `code` exists; NM_START_PORT picks its port.
// Only Node built-ins are imported up front: this file must run before `npm ci` has.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (message) => console.log(`[start] ${message}`);

function runOrExit(command, args, what) {
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(
      `[start] ${what} failed (exit ${result.status ?? result.signal ?? result.error?.message}). Fix the error above and run npm start again.`,
    );
    process.exit(1);
  }
}

/** node_modules is missing, or package-lock.json changed (a pull) since npm last installed it. */
function dependenciesOutOfDate() {
  const installed = join(repoRoot, 'node_modules', '.package-lock.json');
  if (!existsSync(installed)) return true;
  return statSync(join(repoRoot, 'package-lock.json')).mtimeMs > statSync(installed).mtimeMs;
}

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/**
 * One public site, paused: the demo sends nothing off the machine, and resuming it (on a machine
 * with internet) shows how a server abroad appears on the dashboard's map.
 */
const PUBLIC_EXAMPLE = {
  entry: { url: 'https://example.com/', name: 'example.com (public, paused)', paused: true },
  description: 'a public site, paused so nothing leaves this machine; resume it to see its server placed on the dashboard map',
};

function writeDemoWorkspace(localTargets) {
  const targets = [...localTargets, PUBLIC_EXAMPLE];
  const workspace = join(repoRoot, 'out', 'demo-workspace');
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(
    join(workspace, '.vscode', 'settings.json'),
    `${JSON.stringify({ 'networkMonitor.targets': targets.map((target) => target.entry) }, null, 2)}\n`,
  );
  const lines = targets.map((target) => `- **${target.entry.name}** (\`${target.entry.url}\`): ${target.description}.`);
  writeFileSync(
    join(workspace, 'README.md'),
    [
      '# Network Monitor demo',
      '',
      'Written by `npm start`. `.vscode/settings.json` points `networkMonitor.targets` at local services',
      'that run only while `npm start` does (the dashboard lists them under "Local network"), and at one',
      'public site, paused:',
      '',
      ...lines,
      '',
      'Edit the settings to try other targets; the extension picks up changes as you save.',
      '',
    ].join('\n'),
  );
  return workspace;
}

/**
 * Loads one of the project's TypeScript modules through tsx, as CommonJS like `node --import tsx`
 * does (so `__dirname` is right); tsx is only there once the dependencies are installed.
 */
let typeScriptRequire;
async function requireTypeScript(path) {
  if (!typeScriptRequire) {
    const { register } = await import('tsx/cjs/api');
    register();
    typeScriptRequire = createRequire(import.meta.url);
  }
  return typeScriptRequire(path);
}

async function openInCodeServer(workspace) {
  const { missingHostParts, vscodeHostPaths } = await requireTypeScript('../test/e2e/host/hostPaths.ts');
  if (missingHostParts(vscodeHostPaths())) {
    say('Installing code-server, Node 24 for it, and Chromium into .vscode-host/ (a few minutes, once).');
    runOrExit('bash', [join(repoRoot, 'scripts', 'installVscodeHost.sh')], 'Installing code-server');
  }
  const { CodeServerHost } = await requireTypeScript('../test/e2e/host/codeServerHost.ts');
  const profileDir = mkdtempSync(join(tmpdir(), 'nm-start-'));
  const password = randomBytes(12).toString('base64url');
  const server = await CodeServerHost.start({
    profileDir,
    logFile: join(profileDir, 'code-server.log'),
    linkedExtensions: [repoRoot],
    password,
    port: Number(process.env.NM_START_PORT ?? 0),
  });
  const removeProfile = () => rmSync(profileDir, { recursive: true, force: true });
  process.on('exit', removeProfile);
  lifetime.onStop(() => server.dispose());
  void server.whenExited().then(() => lifetime.stop(`code-server stopped on its own; its log was ${server.logFile}.`, 1));
  console.log('');
  say('Network Monitor is running in VS Code (code-server). Open this address in a browser:');
  console.log(`\n    ${server.origin}/?folder=${encodeURIComponent(workspace)}\n`);
  say(`Password: ${password}`);
  say('The extension is loaded from this repository: after `npm run build` (or with `npm run watch`), run "Developer: Reload Window".');
}

/** What has to be stopped on Ctrl+C, in reverse order of starting. */
const lifetime = {
  stopActions: [],
  stopping: false,
  onStop(action) {
    this.stopActions.push(action);
  },
  async stop(reason, exitCode = 0) {
    if (this.stopping) return;
    this.stopping = true;
    say(reason);
    for (const action of this.stopActions.reverse()) await action().catch((error) => console.error(error));
    process.exit(exitCode);
  },
};

async function main() {
  if (dependenciesOutOfDate()) {
    say('Installing npm dependencies (npm ci)...');
    runOrExit('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci');
  }
  runOrExit('npm', ['run', '--silent', 'build'], 'The build');

  process.on('uncaughtException', (error) => void lifetime.stop(`npm start hit an unexpected error and stops: ${error.stack ?? error}`, 1));
  process.on('SIGINT', () => void lifetime.stop('Stopping the demo services and the editor...'));
  process.on('SIGTERM', () => void lifetime.stop('Stopping the demo services and the editor...'));

  const { DemoServerSet } = await requireTypeScript('./demoServers.ts');
  const demo = await DemoServerSet.start();
  lifetime.onStop(() => demo.dispose());
  const workspace = writeDemoWorkspace(demo.targets);
  say(`Demo services on 127.0.0.1 (workspace: ${workspace}):`);
  for (const target of demo.targets) console.log(`    ${target.entry.name.padEnd(26)} ${target.entry.url}`);

  const code = process.env.NM_START_HOST === 'code-server' ? undefined : findOnPath('code');
  if (code) {
    say(`Opening VS Code (${code}) with this repository as the extension under development.`);
    const editor = spawn(code, ['--new-window', `--extensionDevelopmentPath=${repoRoot}`, workspace], { stdio: 'inherit' });
    editor.on('error', (error) => void lifetime.stop(`Could not start ${code}: ${error.message}`, 1));
  } else {
    await openInCodeServer(workspace);
  }
  say('Press Ctrl+C to stop.');
}

await main().catch((error) => lifetime.stop(`npm start failed: ${error instanceof Error ? error.message : error}`, 1));
