/**
 * Keeps the proxy the checks go through in step with VS Code's `http.*` settings and the proxy
 * credentials in Secret Storage (proxyEntries.ts decides what counts), and offers Set Proxy
 * Credentials. The prober asks `current()` on every check, so a change applies to the next one.
 */
import * as vscode from 'vscode';
import { NO_PROXY, redactCredentials, type ProxySettings } from '../../core/probes/proxySettings';
import {
  applicationValue,
  editorProxySettings,
  isProxyCredentialsKey,
  parseProxyCredentials,
  proxyCredentialsKey,
  proxyOrigins,
  serializeProxyCredentials,
  setByWorkspace,
  type EditorProxyValues,
  type StoredProxyCredentials,
} from './proxyEntries';
import { showMessage } from '../notifications/editorMessages';

const PROXY_KEYS = ['proxy', 'proxyStrictSSL', 'noProxy', 'proxySupport', 'proxyAuthorization'] as const;

export class ProxyConfiguration implements vscode.Disposable {
  private settings: ProxySettings = NO_PROXY;
  private readonly subscriptions: vscode.Disposable[];
  /** Each reload's number, so a slower, older read never overwrites a newer one. */
  private generation = 0;
  private lastDescription = '';
  private readonly reportedProblems = new Set<string>();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (PROXY_KEYS.some((key) => event.affectsConfiguration(`http.${key}`))) void this.reload();
      }),
      secrets.onDidChange((event) => {
        if (isProxyCredentialsKey(event.key)) void this.reload();
      }),
    ];
  }

  /** What the next check uses. */
  readonly current = (): ProxySettings => this.settings;

  /** Reads the settings and the credentials for the proxies they name. */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    const values = this.readValues();
    const stored = new Map<string, StoredProxyCredentials>();
    for (const origin of proxyOrigins(values, this.env)) {
      try {
        const credentials = parseProxyCredentials(await this.secrets.get(proxyCredentialsKey(origin)));
        if (credentials) stored.set(origin, credentials);
      } catch (error) {
        // Checking without the credentials beats not checking at all; the proxy's 407 will say why.
        this.log.error(`The stored credentials for the proxy ${origin} could not be read: ${(error as Error).message}`);
      }
    }
    if (generation !== this.generation) return;
    const { settings, problems } = editorProxySettings(values, this.env, (origin) => stored.get(origin));
    this.settings = settings;
    for (const problem of problems) {
      if (this.reportedProblems.has(problem)) continue;
      this.reportedProblems.add(problem);
      this.log.warn(problem);
    }
    const description = describe(settings);
    if (description !== this.lastDescription) {
      this.lastDescription = description;
      this.log.info(description);
    }
  }

  /**
   * Set Proxy Credentials: a user name and password for the proxy in use, kept for that proxy
   * only. With `args` (our own code and tests: commandArguments.ts) nothing is asked; the proxy must be one in use.
   */
  async setCredentials(args?: { username: string; password: string; origin?: string }): Promise<void> {
    const origins = proxyOrigins(this.readValues(), this.env);
    if (args) {
      const origin = args.origin ?? origins[0];
      if (!origin || !origins.includes(origin))
        throw new Error(
          vscode.l10n.t('Credentials can be stored only for a proxy in use ({0}).', origins.join(', ') || vscode.l10n.t('none is set')),
        );
      await this.secrets.store(
        proxyCredentialsKey(origin),
        serializeProxyCredentials({ origin, username: args.username, password: args.password }),
      );
      this.log.info(`Stored credentials of "${args.username}" for the proxy ${origin}.`);
      await this.reload();
      return;
    }
    if (origins.length === 0) {
      void showMessage(
        'info',
        vscode.l10n.t(
          'No proxy is set: the checks connect directly. Set "http.proxy" in your user settings (or HTTPS_PROXY in the environment) first.',
        ),
      );
      return;
    }
    const origin =
      origins.length === 1
        ? origins[0]!
        : await vscode.window.showQuickPick(origins, {
            title: vscode.l10n.t('Set Proxy Credentials'),
            placeHolder: vscode.l10n.t('For which proxy?'),
          });
    if (!origin) return;
    const key = proxyCredentialsKey(origin);
    const existing = parseProxyCredentials(await this.secrets.get(key));
    const username = await vscode.window.showInputBox({
      title: vscode.l10n.t('Set Proxy Credentials (1/2)'),
      prompt: vscode.l10n.t(
        'User name for the proxy {0}. They are sent to this proxy only. Leave empty to remove the stored credentials.',
        origin,
      ),
      value: existing?.username ?? '',
      ignoreFocusOut: true,
    });
    if (username === undefined) return;
    if (username === '') {
      if (existing) {
        await this.secrets.delete(key);
        this.log.info(`Removed the stored credentials for the proxy ${origin}.`);
      }
      return;
    }
    const password = await vscode.window.showInputBox({
      title: vscode.l10n.t('Set Proxy Credentials (2/2)'),
      prompt: vscode.l10n.t("Password of {0} for the proxy {1}. It is kept in the editor's secret storage.", username, origin),
      password: true,
      ignoreFocusOut: true,
    });
    if (password === undefined) return;
    await this.secrets.store(key, serializeProxyCredentials({ origin, username, password }));
    this.log.info(`Stored credentials of "${username}" for the proxy ${origin}.`);
    await this.reload();
  }

  private readValues(): EditorProxyValues {
    const http = vscode.workspace.getConfiguration('http');
    const inspect = <T>(key: (typeof PROXY_KEYS)[number]) => http.inspect<T>(key);
    for (const key of PROXY_KEYS) {
      const problem = `"http.${key}" in workspace or folder settings is ignored, as VS Code ignores it: only your user settings choose the proxy.`;
      if (setByWorkspace(inspect(key)) && !this.reportedProblems.has(problem)) {
        this.reportedProblems.add(problem);
        this.log.warn(problem);
      }
    }
    const noProxy = applicationValue<unknown>(inspect<unknown>('noProxy'), []);
    const authorization = applicationValue<unknown>(inspect<unknown>('proxyAuthorization'), null);
    return {
      ...(typeof authorization === 'string' && authorization.trim() !== '' ? { authorization: authorization.trim() } : {}),
      proxy: String(applicationValue<unknown>(inspect<unknown>('proxy'), '') ?? ''),
      strictSSL: applicationValue<unknown>(inspect<unknown>('proxyStrictSSL'), true) !== false,
      noProxy: Array.isArray(noProxy) ? noProxy.filter((item): item is string => typeof item === 'string') : [],
      support: String(applicationValue<unknown>(inspect<unknown>('proxySupport'), 'override')),
    };
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

/** One log line saying where the checks go, without credentials. */
function describe(settings: ProxySettings): string {
  const name = (server: ProxySettings['http']) =>
    server
      ? `${redactCredentials(server.url)}${server.credentials || server.authorization !== undefined ? ' (with credentials)' : ''}`
      : 'directly';
  if (!settings.http && !settings.https) return 'HTTP(S) checks connect directly (no proxy is set).';
  const bypass = settings.noProxy.length > 0 ? `; directly for ${settings.noProxy.join(', ')}` : '';
  return `HTTP checks go through ${name(settings.http)}, HTTPS checks through ${name(settings.https)}${bypass}.`;
}
