/**
 * The editor's proxy for the checks, worked out from VS Code's own settings as VS Code reads them:
 * `http.proxy`, `http.proxyStrictSSL`, `http.noProxy`, `http.proxySupport` and
 * `http.proxyAuthorization` are application
 * settings, so only the user's own value counts and a workspace's is ignored (a cloned
 * repository must not route the user's checks, or their credentials, through a host of its
 * choosing). With `http.proxy` empty, the extension host's HTTPS_PROXY / HTTP_PROXY / NO_PROXY
 * apply, as they do for VS Code.
 *
 * Credentials come from the URL in `http.proxy` or from Secret Storage, where they are kept with
 * the proxy origin they were stored for and sent to that origin only. Imports no `vscode`, so the
 * unit tests run it under plain Node.
 */
import {
  NO_PROXY,
  parseProxyUrl,
  proxySettingsFromEnvironment,
  splitNoProxy,
  type ProxyServer,
  type ProxySettings,
} from '../../core/probes/proxySettings';

/** The parts of `WorkspaceConfiguration.inspect()` this file reads. */
export interface InspectedValue<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/** The user's value (or the default), never the workspace's: how VS Code reads an application setting. */
export function applicationValue<T>(inspected: InspectedValue<T> | undefined, fallback: T): T {
  return inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
}

/** True when a workspace or folder tries to set a value that is not its to set. */
export function setByWorkspace(inspected: InspectedValue<unknown> | undefined): boolean {
  return inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined;
}

export interface EditorProxyValues {
  /** `http.proxy`; empty means the environment's. */
  proxy: string;
  strictSSL: boolean;
  noProxy: readonly string[];
  /** `http.proxySupport`: `off` means no proxy at all. */
  support: string;
  /** `http.proxyAuthorization`: a ready Proxy-Authorization value for the proxy in `http.proxy`. */
  authorization?: string;
}

export interface StoredProxyCredentials {
  /** The proxy origin these were stored for, the only one they are sent to. */
  origin: string;
  username: string;
  password: string;
}

const CREDENTIALS_PREFIX = 'networkMonitor.proxyCredentials.';

export function proxyCredentialsKey(origin: string): string {
  return `${CREDENTIALS_PREFIX}${origin}`;
}

export function isProxyCredentialsKey(key: string): boolean {
  return key.startsWith(CREDENTIALS_PREFIX);
}

export function serializeProxyCredentials(credentials: StoredProxyCredentials): string {
  return JSON.stringify({ origin: credentials.origin, username: credentials.username, password: credentials.password });
}

export function parseProxyCredentials(raw: string | undefined): StoredProxyCredentials | undefined {
  if (raw === undefined) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<StoredProxyCredentials>;
    if (typeof value.origin !== 'string' || typeof value.username !== 'string' || typeof value.password !== 'string') return undefined;
    return { origin: value.origin, username: value.username, password: value.password };
  } catch {
    return undefined;
  }
}

/** The proxy origins these values send checks to: whose credentials to read. */
export function proxyOrigins(values: EditorProxyValues, env: NodeJS.ProcessEnv): string[] {
  const { settings } = editorProxySettings(values, env, () => undefined);
  return [...new Set([settings.http?.url, settings.https?.url].filter((url): url is string => url !== undefined))];
}

/**
 * The settings for the prober. `stored` gives the credentials kept for an origin; they are used
 * only when they name that very origin and neither the URL nor `http.proxyAuthorization`
 * provides a Proxy-Authorization of its own.
 */
export function editorProxySettings(
  values: EditorProxyValues,
  env: NodeJS.ProcessEnv,
  stored: (origin: string) => StoredProxyCredentials | undefined,
): { settings: ProxySettings; problems: string[] } {
  if (values.support === 'off') return { settings: NO_PROXY, problems: [] };
  const problems: string[] = [];
  let settings: ProxySettings;
  if (values.proxy.trim() !== '') {
    const parsed = parseProxyUrl(values.proxy);
    if (!parsed.ok) problems.push(`http.proxy: ${parsed.error} Checking without a proxy.`);
    // As in VS Code, http.proxyAuthorization goes with http.proxy, not with a proxy from the environment.
    let authorization = values.authorization;
    if (authorization !== undefined && /[\r\n\0]/.test(authorization)) {
      problems.push('http.proxyAuthorization holds a line break or NUL, which a header cannot; it is not sent.');
      authorization = undefined;
    }
    const server: ProxyServer | undefined =
      parsed.ok && !parsed.server.credentials && authorization
        ? { ...parsed.server, authorization }
        : parsed.ok
          ? parsed.server
          : undefined;
    settings = server
      ? { http: server, https: server, strictSSL: values.strictSSL, noProxy: values.noProxy.flatMap(splitNoProxy) }
      : { strictSSL: values.strictSSL, noProxy: [] };
  } else {
    const fromEnv = proxySettingsFromEnvironment(env);
    problems.push(...fromEnv.problems.map((problem) => `${problem} Checking without that proxy.`));
    settings = {
      ...fromEnv.settings,
      strictSSL: values.strictSSL,
      noProxy: [...values.noProxy.flatMap(splitNoProxy), ...fromEnv.settings.noProxy],
    };
  }
  const withCredentials = (server: ProxyServer | undefined): ProxyServer | undefined => {
    if (!server || server.credentials || server.authorization !== undefined) return server;
    const kept = stored(server.url);
    return kept && kept.origin === server.url
      ? { url: server.url, credentials: { username: kept.username, password: kept.password } }
      : server;
  };
  const http = withCredentials(settings.http);
  const https = withCredentials(settings.https);
  return {
    settings: { strictSSL: settings.strictSSL, noProxy: settings.noProxy, ...(http ? { http } : {}), ...(https ? { https } : {}) },
    problems,
  };
}
