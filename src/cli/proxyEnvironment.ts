/**
 * The CLI's proxy: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY (either case), read once at
 * start, as curl and most command-line tools read them, so the monitor goes where the user's other
 * tools go. A value that cannot be used is said on stderr, so stdout stays machine-readable.
 */
import type { ProxySettings } from '../core/probes/proxySettings';
import { proxySettingsFromEnvironment } from '../core/probes/proxySettings';

export const PROXY_USAGE = `Proxy: http(s) targets go through $https_proxy / $http_proxy (or $all_proxy), as with curl,
  e.g. https_proxy=http://user:password@proxy.corp:3128; hosts in $no_proxy (names with their
  subdomains, host:port, IP addresses, CIDR ranges, or *) are reached directly. tcp:// and dns://
  targets never use a proxy.`;

export function cliProxySettings(
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): () => ProxySettings {
  const { settings, problems } = proxySettingsFromEnvironment(env);
  for (const problem of problems) warn(`note: ${problem} Checking without that proxy.`);
  return () => settings;
}
