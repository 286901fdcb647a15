/**
 * Runs the optional local API in this window: on when `networkMonitor.api.enabled` is (a machine
 * setting, so no workspace can open a port), restarted when its settings or its token change,
 * stopped when turned off. The token is made on first enable and kept in SecretStorage, which
 * every window of this extension shares; so when another window already serves the port, this
 * one recognises it by a challenge only a token holder can answer (the token itself is never
 * sent to whoever holds the port), stays quiet and takes over once that window closes.
 */
import * as vscode from 'vscode';
import type { ApiDataSource } from '../../core/api/apiDataSource';
import { ApiListenError, ApiPortInUseError } from '../../core/api/apiErrors';
import { ApiServer, validateCorsOrigin } from '../../core/api/apiServer';
import { createApiToken } from '../../core/api/requestGuards';
import { askPortHolder } from '../../core/api/portHolder';
import { showMessage } from '../notifications/editorMessages';

/** The SecretStorage key of the API token (the Copy API Token command reads the same one). */
export const API_TOKEN_SECRET_KEY = 'networkMonitor.api.token';

export interface ApiSettings {
  enabled: boolean;
  port: number;
  allowUnauthenticatedMetrics: boolean;
  /** An origin such as `http://localhost:3000`, or '' for none. */
  corsOrigin: string;
}

/** How the controller reads `networkMonitor.api.*`; the composition root adapts its settings wrapper. */
export interface ApiSettingsAccessor {
  readonly api: ApiSettings;
  /** Fires when any `networkMonitor.api.*` setting changed. */
  onDidChangeApi(listener: () => void): vscode.Disposable;
}

export interface ApiControllerOptions {
  settings: ApiSettingsAccessor;
  secrets: vscode.SecretStorage;
  source: ApiDataSource;
  log: vscode.LogOutputChannel;
  /** How often to try the port again while another window or program holds it (default 15 s). */
  takeOverRetryMs?: number;
  /**
   * How long to wait before asking the port holder once more when it answered like a window with
   * another token: right after a rotation the serving window may not have switched yet (default 1 s).
   */
  rotationGraceMs?: number;
}

interface RunningConfig {
  port: number;
  token: string;
  allowUnauthenticatedMetrics: boolean;
  corsOrigin: string | undefined;
}

const SHOW_LOG = vscode.l10n.t('Show Log');
const CHANGE_PORT = vscode.l10n.t('Change Port');
const COPY_TOKEN = vscode.l10n.t('Copy Token');

export class ApiController implements vscode.Disposable {
  private server: ApiServer | undefined;
  private running: RunningConfig | undefined;
  private queue: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  /** The last problem shown, so a retry or an unrelated setting change does not repeat it. */
  private shownProblem: string | undefined;
  private problemMessage: string | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private disposed = false;

  constructor(private readonly options: ApiControllerOptions) {
    this.subscriptions.push(
      options.settings.onDidChangeApi(() => this.update()),
      // Another window made or replaced the token: serve with the one every window now hands out.
      options.secrets.onDidChange((event) => {
        if (event.key === API_TOKEN_SECRET_KEY) this.update();
      }),
    );
  }

  /** Applies the current settings; call once after construction. Resolves when applied. */
  start(): Promise<void> {
    return this.update();
  }

  /** The message last shown about a problem with the API (a taken port...), until it is served again. */
  get problem(): string | undefined {
    return this.server ? undefined : this.problemMessage;
  }

  /** The port served by this window, or undefined. */
  get port(): number | undefined {
    return this.server?.port;
  }

  /** Copies the token (making one if there is none yet) and says how to use it. */
  async copyToken(): Promise<void> {
    const token = await this.token();
    await vscode.env.clipboard.writeText(token);
    const api = this.options.settings.api;
    void showMessage(
      'info',
      api.enabled
        ? vscode.l10n.t('API token copied. Send it as "Authorization: Bearer <token>" to http://127.0.0.1:{0}/api/status.', api.port)
        : vscode.l10n.t('API token copied. The local API is off: turn on the setting networkMonitor.api.enabled to use it.'),
    );
  }

  /**
   * Replaces the token: the new one is stored in Secret Storage (every other window serves with it
   * as soon as it hears of the change) and this window's server refuses the old one at once.
   */
  async rotateToken(): Promise<void> {
    const token = createApiToken();
    await this.options.secrets.store(API_TOKEN_SECRET_KEY, token);
    await this.update();
    this.options.log.info('Replaced the local API token: the old one is refused from now on.');
    const api = this.options.settings.api;
    const message = api.enabled
      ? vscode.l10n.t('A new API token is in use on port {0}; the old one is refused. Scripts and Prometheus need the new one.', api.port)
      : vscode.l10n.t(
          'A new API token is stored; the old one will not be accepted. The local API is off: turn on the setting networkMonitor.api.enabled to use it.',
        );
    // Not awaited: the command is done once the token is replaced, whether or not the user copies it.
    void showMessage('info', message, COPY_TOKEN).then(async (choice) => {
      if (choice === COPY_TOKEN) await vscode.env.clipboard.writeText(await this.token());
    });
  }

  /** Queued, so quick successive setting changes apply in order and never run two servers. */
  private update(): Promise<void> {
    const next = this.queue
      .then(() => this.apply())
      .catch((error: unknown) => {
        this.options.log.error(`The local API could not be updated: ${(error as Error).message}`);
      });
    this.queue = next;
    return next;
  }

  private async apply(): Promise<void> {
    this.clearRetry();
    if (this.disposed) return;
    const settings = this.options.settings.api;
    if (!settings.enabled) {
      this.shownProblem = undefined;
      if (this.server) this.options.log.info('Local API stopped: networkMonitor.api.enabled is off.');
      await this.stopServer();
      return;
    }
    const wanted: RunningConfig = {
      port: settings.port,
      token: await this.token(),
      allowUnauthenticatedMetrics: settings.allowUnauthenticatedMetrics,
      corsOrigin: this.corsOrigin(settings.corsOrigin),
    };
    if (this.server && this.running && sameConfig(this.running, wanted)) return;
    if (this.server && this.running && sameConfig(this.running, { ...wanted, token: this.running.token })) {
      // Only the token changed (rotated here or in another window): switch without giving up the port.
      this.server.setToken(wanted.token);
      this.running = wanted;
      this.options.log.info('Local API now accepts the new token only.');
      return;
    }
    await this.stopServer();
    if (this.disposed) return;

    const server = new ApiServer({
      port: wanted.port,
      token: wanted.token,
      allowUnauthenticatedMetrics: wanted.allowUnauthenticatedMetrics,
      corsOrigin: wanted.corsOrigin,
      source: this.options.source,
      onError: (error) => this.options.log.error(`The local API failed to answer a request: ${(error as Error).stack ?? String(error)}`),
    });
    try {
      const { port } = await server.start();
      if (this.disposed) {
        await server.dispose();
        return;
      }
      this.server = server;
      this.running = wanted;
      this.shownProblem = undefined;
      this.options.log.info(
        `Local API listening on http://127.0.0.1:${port} (${this.options.source.isWriter() ? 'this window runs the checks' : 'answering from the shared history; another window runs the checks'}). /metrics ${wanted.allowUnauthenticatedMetrics ? 'needs no token' : 'needs the token'}.`,
      );
    } catch (error) {
      await server.dispose();
      await this.handleStartFailure(error, wanted);
    }
  }

  private async handleStartFailure(error: unknown, wanted: RunningConfig): Promise<void> {
    if (error instanceof ApiPortInUseError) {
      const holder = await this.portHolder(wanted);
      if (this.disposed) return;
      if (holder === 'sibling') {
        if (this.shownProblem !== `window:${wanted.port}`) {
          this.shownProblem = `window:${wanted.port}`;
          this.options.log.info(
            `Another Network Monitor window serves the local API on port ${wanted.port} (it proved it holds the shared token); this window takes over if that one closes.`,
          );
        }
        this.retryTimer = setTimeout(() => void this.update(), this.options.takeOverRetryMs ?? 15_000);
        return;
      }
      if (this.shownProblem !== `port:${wanted.port}`) this.options.log.warn(`${error.message} ${holder}`);
      // Told once; meanwhile the port is tried again quietly, in case that program goes away.
      this.retryTimer = setTimeout(() => void this.update(), this.options.takeOverRetryMs ?? 15_000);
      this.showProblem(
        `port:${wanted.port}`,
        vscode.l10n.t(
          'The Network Monitor API cannot start: port {0} on 127.0.0.1 is already used by another program. Choose a free port in the setting networkMonitor.api.port, or stop that program.',
          wanted.port,
        ),
        true,
      );
      return;
    }
    const message = error instanceof ApiListenError ? error.message : (error as Error).message;
    this.options.log.error(`The local API cannot start: ${message}`);
    this.showProblem(
      `listen:${wanted.port}:${message}`,
      vscode.l10n.t('The Network Monitor API cannot start: {0}', message),
      error instanceof ApiListenError,
    );
  }

  /**
   * 'sibling' when the program on the port proves it holds the shared token (it is never sent
   * there), otherwise why it is taken to be another program, for the log.
   */
  private async portHolder(wanted: RunningConfig): Promise<'sibling' | string> {
    let result = await askPortHolder({ port: wanted.port, token: wanted.token });
    if (!result.sibling && result.reason === 'wrong-proof') {
      // Right after a rotation the serving window may still use the old token: ask once more.
      await new Promise((resolve) => setTimeout(resolve, this.options.rotationGraceMs ?? 1_000));
      result = await askPortHolder({ port: wanted.port, token: wanted.token });
    }
    return result.sibling ? 'sibling' : result.detail;
  }

  private corsOrigin(setting: string): string | undefined {
    const origin = setting.trim();
    if (origin === '') return undefined;
    try {
      return validateCorsOrigin(origin);
    } catch (error) {
      this.options.log.warn(`networkMonitor.api.corsOrigin: ${(error as Error).message} The API runs without CORS until it is fixed.`);
      this.showProblem(
        `cors:${origin}`,
        vscode.l10n.t(
          'The setting networkMonitor.api.corsOrigin ("{0}") is not an origin like http://localhost:3000, so browsers get no CORS access. Fix or clear it.',
          origin,
        ),
        false,
      );
      return undefined;
    }
  }

  private showProblem(key: string, message: string, offerPortSetting: boolean): void {
    if (this.shownProblem === key) return;
    this.shownProblem = key;
    this.problemMessage = message;
    const actions = offerPortSetting ? [CHANGE_PORT, SHOW_LOG] : [SHOW_LOG];
    void showMessage('warning', message, ...actions).then((choice) => {
      if (choice === CHANGE_PORT) void vscode.commands.executeCommand('workbench.action.openSettings', 'networkMonitor.api.port');
      else if (choice === SHOW_LOG) this.options.log.show(true);
    });
  }

  /** The shared token, made and stored on first use. */
  private async token(): Promise<string> {
    const existing = await this.options.secrets.get(API_TOKEN_SECRET_KEY);
    if (existing) return existing;
    const token = createApiToken();
    await this.options.secrets.store(API_TOKEN_SECRET_KEY, token);
    this.options.log.info('Created the local API token (kept in Secret Storage; copy it with "Network Monitor: Copy API Token").');
    return token;
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.running = undefined;
    await server?.dispose();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Stops the server and frees the port; resolves once it is closed. */
  async stop(): Promise<void> {
    this.dispose();
    await this.queue;
    await this.stopServer();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearRetry();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.subscriptions.length = 0;
    // Closing waits for nothing the caller holds: the port is free a moment later.
    void this.queue.then(() => this.stopServer());
  }
}

function sameConfig(a: RunningConfig, b: RunningConfig): boolean {
  return (
    a.port === b.port &&
    a.token === b.token &&
    a.allowUnauthenticatedMetrics === b.allowUnauthenticatedMetrics &&
    a.corsOrigin === b.corsOrigin
  );
}
