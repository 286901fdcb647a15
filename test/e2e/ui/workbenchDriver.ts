/**
 * Drives a real VS Code workbench (code-server in headless Chromium) with the packaged extension
 * installed, the way a user sees it. UI walks (test/e2e/ui/*.walk.ts) use it:
 *
 *   await withWorkbench({ name: 'tree' }, async (workbench) => {
 *     await workbench.openViewContainer('Network Monitor');
 *     await workbench.treeRow('127.0.0.1').waitFor();
 *   });
 *
 * Everything a walk leaves behind (screenshots, server log, browser console) is in
 * test-results/ui/<name>/.
 */
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, FrameLocator, Locator, Page } from 'playwright-core';
import { CodeServerHost } from '../host/codeServerHost';
import { launchHeadlessChromium } from '../host/headlessChromium';
import { REPO_ROOT, TEST_RESULTS_DIR, missingHostParts } from '../host/hostPaths';

export const DEFAULT_VSIX = join(REPO_ROOT, 'dist', 'network-monitor.vsix');

/**
 * How long a wait lasts unless a walk says otherwise: generous, because CI machines are shared
 * (two cores, often with another build beside the walk) and the workbench is slow when starved.
 */
export const WAIT_MS = 60_000;

/** How long a freshly opened workbench may take to load the extension and show its container. */
export const STARTUP_WAIT_MS = 120_000;

/** Set by runWalks on a second attempt, so the first attempt's screenshots and logs are kept. */
const ATTEMPT_SUFFIX =
  process.env.NM_E2E_WALK_ATTEMPT && process.env.NM_E2E_WALK_ATTEMPT !== '1' ? `-attempt${process.env.NM_E2E_WALK_ATTEMPT}` : '';

export interface WorkbenchOptions {
  /** Names the walk's folder under test-results/ui/. */
  name: string;
  /** The packaged extension to install; NM_E2E_VSIX or dist/network-monitor.vsix by default. */
  vsix?: string;
  /** Load the extension from this folder as a development extension instead of installing a .vsix. */
  extensionDevelopmentPath?: string;
  /** Written to the workspace's .vscode/settings.json, e.g. `{ 'networkMonitor.targets': [...] }`. */
  workspaceSettings?: Record<string, unknown>;
  userSettings?: Record<string, unknown>;
  /** Extra environment for the server and the extension host. */
  env?: NodeJS.ProcessEnv;
  /** Open the folder in Restricted Mode, as an untrusted folder opens for a user. */
  workspaceTrust?: boolean;
  /** Default timeout of every wait, in milliseconds (WAIT_MS unless set). */
  timeoutMs?: number;
  /**
   * Runs before code-server starts, to put files where the editor will find them, e.g. a history
   * in the extension's global storage: `<userDataDir>/User/globalStorage/<publisher>.<name>/`.
   */
  prepareProfile?: (profile: { userDataDir: string; workspaceFolder: string }) => Promise<void>;
}

export class WorkbenchDriver {
  private shotCount = 0;

  private constructor(
    readonly page: Page,
    readonly resultsDir: string,
    readonly workspaceFolder: string,
    private readonly browser: BrowserContext,
    private readonly host: CodeServerHost,
    private readonly profileDir: string,
    private readonly consoleLog: WriteStream,
    /** Default timeout of this window's waits. */
    readonly timeoutMs: number,
    /** False for a window opened with `openWindow`: disposing it closes only its page. */
    private readonly ownsHost = true,
  ) {}

  /** Starts code-server with the extension, opens the workbench and waits until it is drawn. */
  static async open(options: WorkbenchOptions): Promise<WorkbenchDriver> {
    const missing = missingHostParts();
    if (missing) throw new Error(missing);
    const vsix = options.extensionDevelopmentPath ? undefined : (options.vsix ?? process.env.NM_E2E_VSIX ?? DEFAULT_VSIX);
    if (vsix !== undefined && !existsSync(vsix)) throw new Error(`No packaged extension at ${vsix}. Build it with: npm run package`);

    const resultsDir = join(TEST_RESULTS_DIR, 'ui', `${options.name}${ATTEMPT_SUFFIX}`);
    rmSync(resultsDir, { recursive: true, force: true });
    mkdirSync(resultsDir, { recursive: true });
    const profileDir = mkdtempSync(join(tmpdir(), 'nm-ui-'));
    const workspaceFolder = join(profileDir, 'workspace');
    mkdirSync(join(workspaceFolder, '.vscode'), { recursive: true });
    writeFileSync(join(workspaceFolder, '.vscode', 'settings.json'), JSON.stringify(options.workspaceSettings ?? {}, null, 2));
    const consoleLog = createWriteStream(join(resultsDir, 'workbench-console.log'));

    let host: CodeServerHost | undefined;
    let browser: BrowserContext | undefined;
    try {
      // CodeServerHost.start uses <profileDir>/user-data as the user data directory.
      await options.prepareProfile?.({ userDataDir: join(profileDir, 'user-data'), workspaceFolder });
      // No smoke-test driver here: it hides notification toasts, which walks look at.
      host = await CodeServerHost.start({
        profileDir,
        logFile: join(resultsDir, 'server.log'),
        vsixFiles: vsix ? [vsix] : [],
        userSettings: options.userSettings,
        env: options.env,
        workspaceTrust: options.workspaceTrust,
      });
      browser = await launchHeadlessChromium({ profileDir: join(profileDir, 'chromium') });
      const page = browser.pages()[0] ?? (await browser.newPage());
      const timeoutMs = options.timeoutMs ?? WAIT_MS;
      page.setDefaultTimeout(timeoutMs);
      page.on('console', (message) => consoleLog.write(`[${message.type()}] ${message.text()}\n`));
      page.on('pageerror', (error) => consoleLog.write(`[pageerror] ${error.message}\n`));
      await page.goto(host.workbenchUrl({ folder: workspaceFolder, extensionDevelopmentPath: options.extensionDevelopmentPath }));
      await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: STARTUP_WAIT_MS });
      await waitForExtensionActive(page);
      return new WorkbenchDriver(page, resultsDir, workspaceFolder, browser, host, profileDir, consoleLog, timeoutMs);
    } catch (error) {
      await browser?.close().catch(() => undefined);
      await host?.dispose();
      consoleLog.end();
      rmSync(profileDir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Opens another workbench window on the same server, as a user opening a second folder: its
   * own extension host, the same user data and global storage. Its screenshots and console go to
   * a `name` subfolder of this walk's results. Disposing it closes only its page.
   */
  async openWindow(name: string, workspaceSettings: Record<string, unknown>): Promise<WorkbenchDriver> {
    const resultsDir = join(this.resultsDir, name);
    mkdirSync(resultsDir, { recursive: true });
    const workspaceFolder = join(this.profileDir, `workspace-${name}`);
    mkdirSync(join(workspaceFolder, '.vscode'), { recursive: true });
    writeFileSync(join(workspaceFolder, '.vscode', 'settings.json'), JSON.stringify(workspaceSettings, null, 2));
    const consoleLog = createWriteStream(join(resultsDir, 'workbench-console.log'));
    const page = await this.browser.newPage();
    page.setDefaultTimeout(this.timeoutMs);
    page.on('console', (message) => consoleLog.write(`[${message.type()}] ${message.text()}\n`));
    page.on('pageerror', (error) => consoleLog.write(`[pageerror] ${error.message}\n`));
    await page.goto(this.host.workbenchUrl({ folder: workspaceFolder }));
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: STARTUP_WAIT_MS });
    await waitForExtensionActive(page);
    return new WorkbenchDriver(
      page,
      resultsDir,
      workspaceFolder,
      this.browser,
      this.host,
      this.profileDir,
      consoleLog,
      this.timeoutMs,
      false,
    );
  }

  /** Where extensions keep their global state; every window of this server shares it. */
  globalStorageDir(extensionId: string): string {
    return join(this.profileDir, 'user-data', 'User', 'globalStorage', extensionId);
  }

  /** An activity bar entry by its title, e.g. 'Network Monitor' (the label may carry a badge count). */
  activityBarItem(title: string): Locator {
    return this.page.locator(`.part.activitybar .action-item [aria-label^="${cssString(title)}"]`).first();
  }

  /** Shows a view container from the activity bar, leaving it open if it already is. */
  async openViewContainer(title: string): Promise<void> {
    // The side bar's title is the container's title, or "Container: View" when it holds one view.
    const sideBarTitle = this.page.locator('.part.sidebar .composite.title h2', { hasText: title });
    if (await sideBarTitle.isVisible()) return;
    await this.waitFor(this.activityBarItem(title), `"${title}" in the activity bar`, { timeoutMs: STARTUP_WAIT_MS });
    await this.activityBarItem(title).click();
    await this.waitFor(sideBarTitle, `the side bar to show "${title}"`);
  }

  /** A view's pane in the side bar, by the view's name (e.g. 'Targets'). */
  view(name: string): Locator {
    return this.page.locator('.part.sidebar .pane', { has: this.page.locator('.pane-header', { hasText: name }) }).first();
  }

  /** Rows of a tree or list; within one view when a view name is given. */
  treeRows(viewName?: string): Locator {
    return (viewName ? this.view(viewName) : this.page.locator('.part.sidebar')).locator('.monaco-list-row');
  }

  treeRow(text: string | RegExp, viewName?: string): Locator {
    return this.treeRows(viewName).filter({ hasText: text }).first();
  }

  /** Runs a command from the command palette by its full title, e.g. 'Network Monitor: Check Now'. */
  async runCommand(title: string): Promise<void> {
    await this.startCommand(title);
    await this.waitFor(this.page.locator('.quick-input-widget'), `the command palette to close after running "${title}"`, {
      state: 'hidden',
    });
  }

  /**
   * Runs a command from the palette and leaves the quick input open, for commands that go on to
   * ask questions in it; returns the input. Enter runs the row that has the focus, so this moves
   * the focus to the command first: the list filters asynchronously, and a click on a row that is
   * being redrawn can land on nothing and merely close the palette, the command never run.
   */
  async startCommand(title: string): Promise<Locator> {
    await this.focusWorkbench();
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await this.waitFor(input, 'the command palette to open');
    await input.fill(`>${title}`);
    await this.pickFocused(title, `the command palette to offer "${title}" first`);
    return input;
  }

  /**
   * Chooses an item in an open quick pick by its label: types it to filter the list, moves the
   * focus to the row carrying exactly that label, and presses Enter.
   */
  async pick(label: string): Promise<void> {
    await this.page.locator('.quick-input-widget input').fill(label);
    await this.pickFocused(label, `the quick pick to offer "${label}" first`);
  }

  /**
   * Moves the focus in the open quick pick's list down to the row labelled exactly `label` and
   * presses Enter. The list may still be filtering when the row first shows, which moves the
   * focus back to the top: each round reads the focus afresh.
   */
  private async pickFocused(label: string, what: string): Promise<void> {
    const exactly = new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`);
    const rows = this.page.locator('.quick-input-list .monaco-list-row');
    await this.waitFor(rows.filter({ has: this.page.locator('.label-name', { hasText: exactly }) }).first(), what);
    const focusedRow = this.page.locator('.quick-input-list .monaco-list-row.focused');
    const focused = focusedRow.locator('.label-name', { hasText: exactly });
    await this.waitUntil(
      what,
      async () => {
        if ((await focused.count()) > 0) return true;
        await this.page.keyboard.press('ArrowDown');
        return false;
      },
      {
        describe: async () =>
          `The focused row is "${
            (await focusedRow
              .first()
              .textContent()
              .catch(() => null)) ?? 'none'
          }".`,
      },
    );
    await this.page.keyboard.press('Enter');
  }

  /**
   * Gives the keyboard back to the workbench: keys pressed while a webview has the focus stay in
   * its frame, and Escape closes whatever quick input is left open.
   */
  async focusWorkbench(): Promise<void> {
    const inFrame = await this.page.evaluate<boolean>("document.activeElement?.tagName === 'IFRAME'");
    const sideBarTitle = this.page.locator('.part.sidebar .composite.title');
    if (inFrame && (await sideBarTitle.isVisible())) await sideBarTitle.click();
    await this.page.keyboard.press('Escape');
  }

  /**
   * Waits for a locator (visible unless another state is asked for). On a timeout the error says
   * what the walk was waiting for, in words, before Playwright's own account of the selector.
   */
  async waitFor(
    locator: Locator,
    what: string,
    options: { state?: 'attached' | 'detached' | 'visible' | 'hidden'; timeoutMs?: number } = {},
  ): Promise<void> {
    const timeout = options.timeoutMs ?? this.timeoutMs;
    try {
      await locator.waitFor({ state: options.state ?? 'visible', timeout });
    } catch (error) {
      throw new WaitTimeoutError(what, timeout, error);
    }
  }

  /**
   * Hovers `target` until `shown` (its hover or tooltip) is visible. A tree row that is redrawn
   * while the pointer rests on it drops its hover, as it would for a user, who moves the mouse
   * away and back: so does this, every few seconds, until the timeout.
   */
  async hoverUntil(target: Locator, shown: Locator, what: string, options: { timeoutMs?: number } = {}): Promise<void> {
    const timeout = options.timeoutMs ?? this.timeoutMs;
    const shownWithin = (ms: number): Promise<boolean> =>
      shown.waitFor({ state: 'visible', timeout: ms }).then(
        () => true,
        () => false,
      );
    const hovered = await waitUntil(async () => {
      await this.page.mouse.move(0, 0);
      await target.hover({ timeout: 5_000 }).catch(() => undefined);
      return shownWithin(5_000);
    }, timeout);
    if (!hovered) throw new WaitTimeoutError(what, timeout);
  }

  /** Polls a condition until it holds; on a timeout, fails saying what it was waiting for and what `describe` reports then. */
  async waitUntil(
    what: string,
    condition: () => Promise<boolean>,
    options: { timeoutMs?: number; describe?: () => Promise<string> } = {},
  ): Promise<void> {
    const timeout = options.timeoutMs ?? this.timeoutMs;
    if (await waitUntil(condition, timeout)) return;
    const detail = options.describe ? await options.describe().catch((error: Error) => `(could not be read: ${error.message})`) : undefined;
    throw new WaitTimeoutError(what, timeout, detail);
  }

  statusBar(): Locator {
    return this.page.locator('#workbench\\.parts\\.statusbar');
  }

  statusBarItem(text: string | RegExp): Locator {
    return this.statusBar().locator('.statusbar-item').filter({ hasText: text }).first();
  }

  /** A notification toast (bottom right) whose text matches. */
  notificationToast(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast').filter({ hasText: text }).first();
  }

  /** The content of the webview that is showing (the dashboard), inside its two nested frames. */
  webviewContent(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').first().frameLocator('iframe#active-frame');
  }

  /** Saves a screenshot of the whole window into the walk's results folder; returns its path. */
  async screenshot(name: string): Promise<string> {
    const file = join(this.resultsDir, `${String(++this.shotCount).padStart(2, '0')}-${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * Saves a screenshot named `failure` and prints what failed, where the logs are, and the end of
   * the workbench console (what the editor itself said just before).
   */
  async reportFailure(walkName: string, error: unknown): Promise<void> {
    const shot = await this.screenshot('failure').catch(() => undefined);
    await new Promise<void>((resolve) => this.consoleLog.write('', () => resolve()));
    const consoleFile = join(this.resultsDir, 'workbench-console.log');
    const consoleTail = existsSync(consoleFile) ? readFileSync(consoleFile, 'utf8').trimEnd().split('\n').slice(-25).join('\n') : '';
    console.error(
      [
        `[walk ${walkName}] failed: ${(error as Error).message?.split('\n')[0] ?? error}`,
        `[walk ${walkName}] screenshot: ${shot ?? 'none'}; logs: ${this.resultsDir}`,
        `[walk ${walkName}] the workbench console ends with:`,
        consoleTail || '  (nothing)',
      ].join('\n'),
    );
  }

  async dispose(): Promise<void> {
    if (!this.ownsHost) {
      // As a user closing the window: unload handlers run, so the workbench says goodbye to the server.
      await this.page.close({ runBeforeUnload: true }).catch(() => undefined);
      this.consoleLog.end();
      return;
    }
    await this.browser.close().catch(() => undefined);
    await this.host.dispose();
    this.consoleLog.end();
    if (!process.env.NM_E2E_KEEP_PROFILE) rmSync(this.profileDir, { recursive: true, force: true });
  }
}

/**
 * Waits until the extension has activated in this window: its status bar item, which activate()
 * creates, is drawn. Until then the command palette is still being filled with the extensions'
 * commands: opened that early it may not offer ours at all, and its list can change under a row
 * the walk is about to run. Every walk starts after this, never after a fixed sleep.
 */
async function waitForExtensionActive(page: Page): Promise<void> {
  await page.locator(`#${cssIdentifier(STATUS_BAR_ITEM_ID)}`).waitFor({ timeout: STARTUP_WAIT_MS });
}

/** The DOM id of the extension's status bar item: `<extension id>.<item id>`. */
const STATUS_BAR_ITEM_ID = 'network-monitor.network-monitor.networkMonitor.summary';

function cssIdentifier(id: string): string {
  return id.replace(/\./g, '\\.');
}

/**
 * Opens a workbench, runs the walk, and always closes it; on failure a screenshot named
 * `failure` is saved next to the walk's logs before the error is passed on.
 */
export async function withWorkbench(options: WorkbenchOptions, walk: (workbench: WorkbenchDriver) => Promise<void>): Promise<void> {
  const workbench = await WorkbenchDriver.open(options);
  try {
    await walk(workbench);
  } catch (error) {
    await workbench.reportFailure(options.name, error);
    throw error;
  } finally {
    await workbench.dispose();
  }
}

/** Polls an asynchronous condition every 100 ms; false when it is still false after timeoutMs. */
export async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A wait that ran out: says, in words, what the walk was waiting for. */
export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    timeoutMs: number,
    cause?: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : cause;
    super(`Timed out after ${timeoutMs / 1000} s waiting for ${what}.${detail ? `\n${detail}` : ''}`);
    this.name = 'WaitTimeoutError';
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cssString(text: string): string {
  return text.replace(/["\\]/g, '\\$&');
}
