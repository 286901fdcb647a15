/**
 * Runs a mocha suite inside the extension host of a real VS Code (code-server), driven by headless
 * Chromium: `npm run test:vscode`. Takes VS Code's own test flags, so test/e2e/codeShim.sh can stand
 * in for a desktop `code` binary under @vscode/test-cli and @vscode/test-electron:
 *
 *   node --import tsx test/e2e/runExtensionTests.ts [--extensionDevelopmentPath=DIR]
 *        [--extensionTestsPath=FILE] [WORKSPACE_FOLDER]
 *
 * Defaults: the repository as the extension, out/e2e/suiteIndex.js (every bundled suite) as the
 * tests. Logs and a screenshot of the workbench go to test-results/extension-host/. Ends with
 * "N passed, N failed"; exits non-zero on a failure or after NM_E2E_TIMEOUT_MS (default 5 min).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { format } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { CodeServerHost } from './host/codeServerHost';
import { launchHeadlessChromium } from './host/headlessChromium';
import { REPO_ROOT, TEST_RESULTS_DIR, missingHostParts } from './host/hostPaths';
import { rerunInLoopbackNamespace } from './host/loopbackNamespace';

/**
 * The workbench's own start-up and shut-down messages, which the smoke-test driver forwards with
 * the suite's output. Kept out of the terminal (host-output.log has everything) so test results stand out.
 */
const WORKBENCH_CHATTER =
  /^(Resolving connection token|Resolved connection token|Creating a socket|\[reconnection-grace-time\]|Ignoring fetching additional builtin|Updating additional builtin|\[Service Worker\]|\[AgentHost|\[AccountPolicyGate\]|No search provider registered|Canceled|\s+at .*https?:\/\/127\.0\.0\.1:\d+\/)/;

const CLOSING_LINE = /^(\d+) passed, (\d+) failed$/;

interface RunArguments {
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  workspaceFolder: string | undefined;
}

/** VS Code's flags; the ones that only make sense for Electron (--no-sandbox, --user-data-dir...) are ignored. */
function parseArguments(argv: readonly string[]): RunArguments {
  let extensionDevelopmentPath = REPO_ROOT;
  let extensionTestsPath = join(REPO_ROOT, 'out', 'e2e', 'suiteIndex.js');
  let workspaceFolder: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inlineValue] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const takeValue = (): string => inlineValue ?? argv[++i] ?? '';
    if (flag === '--extensionDevelopmentPath') extensionDevelopmentPath = resolve(takeValue());
    else if (flag === '--extensionTestsPath') extensionTestsPath = resolve(takeValue());
    else if (arg.startsWith('-')) continue;
    else workspaceFolder = resolve(arg);
  }
  return { extensionDevelopmentPath, extensionTestsPath, workspaceFolder };
}

/** Counts from our own reporter's closing line, or from mocha's spec reporter (the test-cli route). */
function summarize(lines: readonly string[]): { passed: number; failed: number } | undefined {
  for (const line of [...lines].reverse()) {
    const ours = CLOSING_LINE.exec(line.trim());
    if (ours) return { passed: Number(ours[1]), failed: Number(ours[2]) };
  }
  // No closing line: the run was cut short; count what our reporter had reported so far.
  const reported = lines.filter((line) => /^ {2}(ok|FAIL) /.test(line));
  if (reported.length > 0) {
    return {
      passed: reported.filter((line) => line.startsWith('  ok')).length,
      failed: reported.filter((line) => line.startsWith('  FAIL')).length,
    };
  }
  const text = lines.join('\n');
  const passing = /(\d+) passing/.exec(text);
  const failing = /(\d+) failing/.exec(text);
  if (!passing && !failing) return undefined;
  return { passed: Number(passing?.[1] ?? 0), failed: Number(failing?.[1] ?? 0) };
}

async function runSuite(args: RunArguments, resultsDir: string, timeoutMs: number): Promise<number> {
  const missing = missingHostParts();
  if (missing) {
    console.error(missing);
    return 1;
  }
  if (!existsSync(args.extensionTestsPath)) {
    console.error(`No test entry at ${args.extensionTestsPath}. Build it with: node test/e2e/buildSuites.mjs`);
    return 1;
  }
  const started = Date.now();
  const lap = (message: string): void => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`);
  // Short: VS Code puts its IPC sockets under TMPDIR, and a socket path has a 107-byte limit.
  const profileDir = mkdtempSync(join(tmpdir(), 'nm-vscode-'));
  const workspaceFolder = args.workspaceFolder ?? join(profileDir, 'workspace');
  mkdirSync(workspaceFolder, { recursive: true });
  const resultsFile = join(resultsDir, 'results.txt');
  const consoleLog = createWriteStream(join(resultsDir, 'workbench-console.log'));
  const automationLog = createWriteStream(join(resultsDir, 'host-output.log'));
  const hostLines: string[] = [];

  let host: CodeServerHost | undefined;
  let browser: BrowserContext | undefined;
  let page: Page | undefined;
  try {
    host = await CodeServerHost.start({
      profileDir,
      logFile: join(resultsDir, 'server.log'),
      smokeTestDriver: true,
      // The extension's log at trace level, so the suites see everything it can write there.
      logLevel: 'trace',
      // The canary suite scans every file this VS Code wrote for a secret's value.
      env: { NM_E2E_RESULTS_FILE: resultsFile, NM_E2E_PROFILE_DIR: profileDir },
    });
    lap(`code-server listening on ${host.origin}`);
    browser = await launchHeadlessChromium({ profileDir: join(profileDir, 'chromium') });
    page = browser.pages()[0] ?? (await browser.newPage());
    let reportExit: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((resolveExit) => (reportExit = resolveExit));
    // The smoke-test driver calls these in the page: the suite's console output and exit code.
    await page.exposeFunction('codeAutomationLog', (level: string, logArgs: unknown[]) => {
      const text = format(...logArgs).replace(/%c/g, '');
      automationLog.write(`${text}\n`);
      // With --log trace the workbench forwards its own trace and debug lines too: they stay in
      // host-output.log and off the terminal, which shows the suites' output.
      if (level === 'trace' || level === 'debug') return;
      for (const line of text.split('\n')) {
        hostLines.push(line);
        // The runner prints its own closing line once the host has gone.
        if (!WORKBENCH_CHATTER.test(line) && !CLOSING_LINE.test(line)) console.log(line);
      }
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));
    page.on('console', (message) => consoleLog.write(`[${message.type()}] ${message.text()}\n`));
    page.on('pageerror', (error) => consoleLog.write(`[pageerror] ${error.message}\n`));

    await page.goto(
      host.workbenchUrl({
        folder: workspaceFolder,
        extensionDevelopmentPath: args.extensionDevelopmentPath,
        extensionTestsPath: args.extensionTestsPath,
        extensionEnvironment: { NM_E2E_RESULTS_FILE: resultsFile },
      }),
    );
    lap('workbench opened; the suite runs in its extension host');

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolveTimeout) => (timer = setTimeout(() => resolveTimeout('timeout'), timeoutMs)));
    const outcome = await Promise.race([exitCode, timedOut]);
    clearTimeout(timer);
    await page.screenshot({ path: join(resultsDir, 'workbench.png') }).catch(() => undefined);

    const fileLines = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8').split('\n') : [];
    // Our reporter writes the file; should the host's console not reach the page, print it here.
    if (hostLines.length === 0 && fileLines.length > 0) console.log(fileLines.join('\n').trimEnd());
    const counts = summarize(fileLines.length > 0 ? fileLines : hostLines);
    if (outcome === 'timeout') {
      console.error(`The suite did not finish within ${timeoutMs / 1000} s. Logs: ${resultsDir}`);
    } else {
      lap(`suite finished with exit code ${outcome}`);
    }
    const failed = outcome === 0 ? (counts?.failed ?? 0) : Math.max(counts?.failed ?? 0, 1);
    console.log(`${counts?.passed ?? 0} passed, ${failed} failed`);
    if (outcome !== 0) console.log(`Logs and a screenshot of the workbench: ${resultsDir}`);
    return outcome === 0 && failed === 0 ? 0 : 1;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await page?.screenshot({ path: join(resultsDir, 'workbench.png') }).catch(() => undefined);
    console.log(`0 passed, 1 failed`);
    return 1;
  } finally {
    await browser?.close().catch(() => undefined);
    await host?.dispose();
    consoleLog.end();
    automationLog.end();
    if (process.env.NM_E2E_KEEP_PROFILE) console.log(`Profile kept at ${profileDir}`);
    else rmSync(profileDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const fromNamespace = rerunInLoopbackNamespace();
  if (fromNamespace !== undefined) return fromNamespace;
  const args = parseArguments(process.argv.slice(2));
  const resultsDir = join(TEST_RESULTS_DIR, 'extension-host');
  rmSync(resultsDir, { recursive: true, force: true });
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'run.json'), JSON.stringify(args, null, 2));
  const timeoutMs = Number(process.env.NM_E2E_TIMEOUT_MS ?? 300_000);
  // Whatever hangs (a browser that will not close, a server that will not die), the run ends.
  const watchdog = setTimeout(() => {
    console.error(`The end-to-end run was still going ${timeoutMs / 1000 + 60} s after it started; stopping it.`);
    process.exit(1);
  }, timeoutMs + 60_000);
  try {
    return await runSuite(args, resultsDir, timeoutMs);
  } finally {
    clearTimeout(watchdog);
  }
}

void main().then((code) => process.exit(code));
