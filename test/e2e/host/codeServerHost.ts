/**
 * One code-server process: a real VS Code server with a real Node extension host, listening on
 * 127.0.0.1 with its own profile (user data, extensions, XDG dirs, TMPDIR) so it never reads or
 * writes the user's own VS Code state. Used by the in-host test runner, the UI walks and `npm start`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vscodeHostPaths } from './hostPaths';

/** Settings that keep the host from phoning home or opening things nobody asked for. */
export const QUIET_USER_SETTINGS: Readonly<Record<string, unknown>> = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'npm.fetchOnlinePackageInfo': false,
  'json.schemaDownload.enable': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'git.enabled': false,
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
};

export interface CodeServerStartOptions {
  /** Scratch directory for this server's state; keep the path short (VS Code puts sockets in it). */
  profileDir: string;
  logFile: string;
  /**
   * Lets the workbench URL's payload carry `extensionTestsPath` and report the suite's exit code to
   * the page. It also hides notification toasts, so UI walks leave it off.
   */
  smokeTestDriver?: boolean;
  /**
   * Workspace trust as a user has it: a folder opens in Restricted Mode until trusted. Off by
   * default, so the other tests open their folders trusted.
   */
  workspaceTrust?: boolean;
  /** Log level for the workbench and extension logs, as code-server's --log takes it: trace, debug, info, warn or error. */
  logLevel?: string;
  /** .vsix files installed into this server's extensions directory before it starts. */
  vsixFiles?: readonly string[];
  /**
   * Extension folders linked into the extensions directory, so the server loads them from source
   * as installed extensions. (Without the smoke-test driver, a built workbench ignores
   * `extensionDevelopmentPath`, and the driver would hide notifications from a person using it.)
   */
  linkedExtensions?: readonly string[];
  /** Require this password in the browser; without it anyone on this machine could use the editor. */
  password?: string;
  /** Merged over QUIET_USER_SETTINGS. */
  userSettings?: Record<string, unknown>;
  /** Extra environment for the server and, through it, the extension host. */
  env?: NodeJS.ProcessEnv;
  /** 0 (the default) takes any free port. */
  port?: number;
  startTimeoutMs?: number;
}

export interface WorkbenchUrlOptions {
  folder?: string;
  extensionDevelopmentPath?: string;
  /** Only honoured with `smokeTestDriver`. */
  extensionTestsPath?: string;
  /** Variables added to the extension host's environment. */
  extensionEnvironment?: Record<string, string>;
}

const LISTENING = /HTTP server listening on https?:\/\/[^\s:]+:(\d+)/;

export class CodeServerHost {
  private exited = false;
  private listeningPort = 0;
  private readonly killOnExit = (): void => this.signalGroup('SIGKILL');

  private constructor(
    private readonly server: ChildProcess,
    readonly logFile: string,
  ) {
    server.once('exit', () => {
      this.exited = true;
    });
    // A runner that dies on an exception must still not leave a server and its watchers behind.
    process.on('exit', this.killOnExit);
  }

  /** Resolves when the server process ends, whoever ended it. */
  whenExited(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => this.server.once('exit', () => resolve()));
  }

  get port(): number {
    return this.listeningPort;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: CodeServerStartOptions): Promise<CodeServerHost> {
    const { profileDir } = options;
    const userDataDir = join(profileDir, 'user-data');
    const extensionsDir = join(profileDir, 'extensions');
    for (const dir of [
      join(userDataDir, 'User'),
      extensionsDir,
      join(profileDir, 'xdg-config'),
      join(profileDir, 'xdg-data'),
      join(profileDir, 'tmp'),
    ]) {
      mkdirSync(dir, { recursive: true });
    }
    // No start-up prompt: the folder opens restricted and the walk grants trust when it chooses.
    const trustSettings = options.workspaceTrust
      ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' }
      : {};
    writeFileSync(
      join(userDataDir, 'User', 'settings.json'),
      JSON.stringify({ ...QUIET_USER_SETTINGS, ...trustSettings, ...options.userSettings }, null, 2),
    );
    const configFile = join(profileDir, 'config.yaml');
    writeFileSync(configFile, '');

    for (const folder of options.linkedExtensions ?? []) {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
        publisher: string;
        name: string;
        version: string;
      };
      symlinkSync(folder, join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`), 'dir');
    }

    const paths = vscodeHostPaths();
    const env = serverEnvironment(profileDir, paths.nodeBinDir, {
      ...options.env,
      ...(options.password ? { PASSWORD: options.password } : {}),
    });
    const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--config', configFile];

    for (const vsix of options.vsixFiles ?? []) {
      const installed = spawnSync(paths.codeServer, [...common, '--install-extension', vsix, '--force'], {
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (installed.status !== 0) {
        throw new Error(
          `code-server could not install ${vsix} (exit ${installed.status ?? installed.signal}):\n${installed.stdout}${installed.stderr}`,
        );
      }
    }

    const args = [
      ...common,
      '--bind-addr',
      `127.0.0.1:${options.port ?? 0}`,
      '--auth',
      options.password ? 'password' : 'none',
      '--disable-telemetry',
      '--disable-update-check',
      ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ];
    if (options.logLevel) args.push('--log', options.logLevel);
    if (options.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');

    mkdirSync(join(options.logFile, '..'), { recursive: true });
    const log = createWriteStream(options.logFile);
    // Its own process group, so dispose() can stop the file watchers and extension hosts it forks.
    const server = spawn(paths.codeServer, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    // Two sources into one file: neither may end it while the other still writes.
    server.stdout.pipe(log, { end: false });
    server.stderr.pipe(log, { end: false });
    server.once('close', () => log.end());
    const host = new CodeServerHost(server, options.logFile);
    try {
      host.listeningPort = await waitForListening(server, options.startTimeoutMs ?? 60_000, options.logFile);
      return host;
    } catch (error) {
      await host.dispose();
      throw error;
    }
  }

  /** The workbench address; open it in a browser to start a window (and its extension host). */
  workbenchUrl(options: WorkbenchUrlOptions = {}): string {
    const authority = `127.0.0.1:${this.port}`;
    const remote = (path: string): string => `vscode-remote://${authority}${path}`;
    const payload: [string, string][] = [['skipWelcome', 'true']];
    if (options.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)]);
    if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
    if (options.extensionEnvironment) payload.push(['extensionEnvironment', JSON.stringify(options.extensionEnvironment)]);
    const query = new URLSearchParams();
    if (options.folder) query.set('folder', options.folder);
    query.set('payload', JSON.stringify(payload));
    return `${this.origin}/?${query.toString()}`;
  }

  /** Stops the server and everything it started; waits up to 5 s for a clean exit, then kills. */
  async dispose(): Promise<void> {
    process.off('exit', this.killOnExit);
    if (!this.exited) {
      this.signalGroup('SIGTERM');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5_000);
        this.server.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        if (this.exited) resolve();
      });
    }
    // The leader may be gone while children it forked still run in the group.
    this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.server.pid === undefined) return;
    try {
      process.kill(-this.server.pid, signal);
    } catch {
      // ESRCH: the group is already empty.
    }
  }
}

function serverEnvironment(profileDir: string, nodeBinDir: string, extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Run from a VS Code terminal, code-server would see VSCODE_IPC_HOOK_CLI and hand its arguments to
  // that editor instead of starting. Test-runner variables (VSCODE_TEST_*) are meant for the host.
  // A password in the caller's environment must not silently become this server's.
  for (const name of Object.keys(env)) {
    if (/^VSCODE_(?!TEST_)/.test(name) || ['ELECTRON_RUN_AS_NODE', 'PASSWORD', 'HASHED_PASSWORD'].includes(name)) delete env[name];
  }
  return {
    ...env,
    ...extra,
    PATH: `${nodeBinDir}:${process.env.PATH ?? ''}`,
    // An empty gallery: no marketplace requests.
    EXTENSIONS_GALLERY: '{}',
    XDG_CONFIG_HOME: join(profileDir, 'xdg-config'),
    XDG_DATA_HOME: join(profileDir, 'xdg-data'),
    TMPDIR: join(profileDir, 'tmp'),
  };
}

function waitForListening(server: ChildProcess, timeoutMs: number, logFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const tail = (): string => {
      try {
        return readFileSync(logFile, 'utf8').slice(-3000);
      } catch {
        return output.slice(-3000);
      }
    };
    const timer = setTimeout(
      () =>
        finish(new Error(`code-server did not start listening within ${timeoutMs / 1000} s. Its log (${logFile}) ends with:\n${tail()}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match) finish(undefined, Number(match[1]));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      finish(new Error(`code-server exited (${code ?? signal}) before listening. Its log (${logFile}) ends with:\n${tail()}`));
    };
    function finish(error: Error | undefined, port?: number): void {
      clearTimeout(timer);
      server.stdout?.off('data', onData);
      server.off('exit', onExit);
      if (error) reject(error);
      else resolve(port!);
    }
    server.stdout?.on('data', onData);
    server.once('exit', onExit);
  });
}
