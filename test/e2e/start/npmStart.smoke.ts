/**
 * The README's first command, run as a newcomer runs it: `npm start` (under npm, with npm's own
 * environment) in this checkout, installing the VS Code host into `.vscode-host/` when it is not
 * there yet. The test waits for the printed address and password, signs in with headless Chromium,
 * sees the workbench with the extension checking the demo services, then presses Ctrl+C (SIGINT to
 * the process group, as a terminal does) and checks that every process `npm start` started has
 * gone and that its ports are closed.
 *
 * `.ci/run` runs it on a fresh clone before `npm test`, so the host the tests use is installed the
 * way a newcomer's is. Run it alone with `npm run test:start`.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { launchHeadlessChromium } from '../host/headlessChromium';
import { REPO_ROOT, TEST_RESULTS_DIR } from '../host/hostPaths';

/** Installing code-server on a fresh machine compiles native modules: minutes, on 2 cores. */
const READY_WAIT_MS = 25 * 60_000;
const WORKBENCH_WAIT_MS = 120_000;
const STOP_WAIT_MS = 30_000;

interface StartedEditor {
  origin: string;
  workbenchUrl: string;
  password: string;
  /** The demo services' ports, from the list `npm start` prints. */
  demoPorts: number[];
}

/** Starts `npm start` in its own process group, echoing its output, and resolves once it printed the address. */
function startNpmStart(output: string[]): { child: ChildProcess; ready: Promise<StartedEditor> } {
  const child = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    // code-server even where a desktop `code` exists, on a port of its own choosing.
    env: { ...process.env, NM_START_HOST: 'code-server', NM_START_PORT: '0' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<StartedEditor>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`npm start printed no address within ${READY_WAIT_MS / 60_000} min.`)), READY_WAIT_MS);
    const onData = (chunk: Buffer): void => {
      process.stdout.write(chunk);
      text += chunk.toString();
      output.push(chunk.toString());
      const address = /^\s+(http:\/\/127\.0\.0\.1:\d+)(\/\?folder=\S+)$/m.exec(text);
      const password = /Password: (\S+)/.exec(text);
      if (!address || !password) return;
      clearTimeout(timer);
      const demoPorts = [...text.matchAll(/^\s{4}Demo: .*?(?:https?|tcp):\/\/127\.0\.0\.1:(\d+)/gm)].map((match) => Number(match[1]));
      resolve({ origin: address[1]!, workbenchUrl: address[1]! + address[2]!, password: password[1]!, demoPorts: [...new Set(demoPorts)] });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code ?? signal}) before printing an address.`));
    });
  });
  return { child, ready };
}

/** Every process below `rootPid`, with its start time, so a recycled pid is not mistaken for a survivor. */
function descendants(rootPid: number): Map<number, string> {
  const parentOf = new Map<number, { parent: number; started: string; command: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command may hold spaces and parentheses; the fields after its last ')' are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      parentOf.set(Number(entry), { parent: Number(fields[1]), started: fields[19]!, command });
    } catch {
      // Gone while we looked.
    }
  }
  const found = new Map<number, string>();
  let frontier = [rootPid];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [pid, info] of parentOf) {
      if (frontier.includes(info.parent) && !found.has(pid)) {
        found.set(pid, `${info.started} ${info.command}`);
        next.push(pid);
      }
    }
    frontier = next;
  }
  return found;
}

function stillRunning(processes: Map<number, string>): string[] {
  const left: string[] = [];
  for (const [pid, identity] of processes) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      if (identity.startsWith(`${started} `) && !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) left.push(`${pid}: ${identity}`);
    } catch {
      // Gone.
    }
  }
  return left;
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test(
  'npm start comes up with the extension in a real VS Code, and Ctrl+C stops everything it started',
  { timeout: READY_WAIT_MS + 5 * 60_000 },
  async () => {
    const resultsDir = join(TEST_RESULTS_DIR, 'npm-start');
    rmSync(resultsDir, { recursive: true, force: true });
    mkdirSync(resultsDir, { recursive: true });
    const output: string[] = [];
    const startedAt = performance.now();
    const { child, ready } = startNpmStart(output);
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    const browserProfile = mkdtempSync(join(tmpdir(), 'nm-start-smoke-'));
    let browser: Awaited<ReturnType<typeof launchHeadlessChromium>> | undefined;
    try {
      const editor = await ready;
      console.log(`[smoke] npm start printed its address after ${((performance.now() - startedAt) / 1000).toFixed(1)} s.`);
      assert.ok(editor.demoPorts.length >= 4, `npm start listed its demo services: ${editor.demoPorts.join(', ')}`);

      browser = await launchHeadlessChromium({ profileDir: browserProfile });
      const page = browser.pages()[0] ?? (await browser.newPage());
      page.setDefaultTimeout(WORKBENCH_WAIT_MS);
      await page.goto(editor.workbenchUrl);
      // code-server asks for the password npm start printed, then opens the workbench on the demo.
      await page.locator('input[type="password"]').fill(editor.password);
      await page.keyboard.press('Enter');
      await page.locator('.monaco-workbench .part.activitybar').waitFor();
      await page.locator('.part.activitybar .action-item [aria-label^="Network Monitor"]').first().waitFor();
      // The extension loaded from this checkout is checking the demo services: the fast API is up.
      await page
        .locator('#workbench\\.parts\\.statusbar .statusbar-item')
        .filter({ hasText: /\d+ up/ })
        .first()
        .waitFor();
      console.log(
        `[smoke] the workbench shows the extension checking the demo ${((performance.now() - startedAt) / 1000).toFixed(1)} s after npm start.`,
      );
      await page.screenshot({ path: join(resultsDir, 'workbench.png') });
      await browser.close();
      browser = undefined;

      const started = descendants(child.pid!);
      assert.ok(
        [...started.values()].some((command) => command.includes('code-server')),
        'npm start runs code-server',
      );
      // Ctrl+C in a terminal: SIGINT to the whole foreground process group.
      process.kill(-child.pid!, 'SIGINT');
      const exitCode = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), STOP_WAIT_MS))]);
      // npm itself ends by the signal it was sent once its script has stopped, as in a terminal.
      assert.ok([0, 130, 'SIGINT'].includes(exitCode as number | string), `npm start exits on Ctrl+C (got ${exitCode}).`);
      const left = stillRunning(started);
      assert.deepEqual(left, [], 'every process npm start started has stopped');
      const editorPort = Number(new URL(editor.origin).port);
      for (const port of [editorPort, ...editor.demoPorts]) {
        assert.equal(await portAccepts(port), false, `port ${port} is closed after Ctrl+C`);
      }
    } finally {
      writeFileSync(join(resultsDir, 'npm-start-output.log'), output.join(''));
      await browser?.close().catch(() => undefined);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone, as it should be.
      }
      rmSync(browserProfile, { recursive: true, force: true });
    }
  },
);
