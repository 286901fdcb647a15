/**
 * undici's ProxyAgent for the proxy in force, for the requests that go out through undici's own
 * `request` and `fetch` (alert channels, the online location lookup) rather than the probe's
 * sockets: one agent at a time, reused while the proxy and its credentials stay the same, closed
 * when they change. Through it an https request is a CONNECT tunnel with TLS to the receiver
 * inside, and Proxy-Authorization goes to the proxy only.
 */
import { type Dispatcher, ProxyAgent } from 'undici';
import type { Disposable } from '../disposable';
import { proxyAuthorization, proxyFor, type ProxySettings } from './proxySettings';

export class ProxyAgents implements Disposable {
  private current: { key: string; agent: ProxyAgent } | undefined;

  /** `settings` is read at each request, so a changed setting applies to the next one. */
  constructor(private readonly settings: () => ProxySettings) {}

  /** The dispatcher for `url`: the proxy's agent, or undefined to connect directly. */
  dispatcherFor(url: string): Dispatcher | undefined {
    const settings = this.settings();
    const server = proxyFor(new URL(url), settings);
    if (!server) return undefined;
    const token = proxyAuthorization(server);
    const key = JSON.stringify([server.url, token, settings.strictSSL]);
    if (this.current?.key !== key) {
      void this.current?.agent.close().catch(() => undefined);
      this.current = { key, agent: new ProxyAgent({ uri: server.url, token, proxyTls: { rejectUnauthorized: settings.strictSSL } }) };
    }
    return this.current.agent;
  }

  dispose(): void {
    void this.current?.agent.close().catch(() => undefined);
    this.current = undefined;
  }
}
