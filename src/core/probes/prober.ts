/** One entry point for every kind of check, sharing a DNS cache across checks. */
import { version } from '../../../package.json';
import type { AddressClass } from './addressClass';
import type { CheckResult } from './checkResult';
import type { Target } from '../targets/target';
import { checkDns } from './dnsProbe';
import { DnsResolver, type DnsResolverOptions } from './dnsResolver';
import { checkHttp, type ProbeEnvironment } from './httpProbe';
import { TrustStore, type TrustStoreOptions } from './trustStore';
import { checkTcp } from './tcpProbe';
import { NO_PROXY, type ProxySettings } from './proxySettings';

export const USER_AGENT = `NetworkMonitor/${version}`;

export interface ProberOptions {
  dns?: DnsResolverOptions;
  userAgent?: string;
  /**
   * The proxy settings for HTTP(S) checks, asked for on every check so a change applies at once.
   * TCP and DNS checks never go through a proxy.
   */
  proxy?: () => ProxySettings;
  /** Which certificate authorities HTTPS checks trust besides Node's roots (trustStore.ts). */
  trust?: TrustStoreOptions;
  /** Which network an address is in; addressClass.ts's table unless a test places a loopback server elsewhere. */
  classifyAddress?: (address: string) => AddressClass | undefined;
}

export class Prober {
  private readonly env: ProbeEnvironment;

  constructor(options: ProberOptions = {}) {
    this.env = {
      resolver: new DnsResolver(options.dns),
      userAgent: options.userAgent ?? USER_AGENT,
      proxy: options.proxy ?? (() => NO_PROXY),
      trust: new TrustStore(options.trust),
      classifyAddress: options.classifyAddress,
    };
  }

  /**
   * Runs one check. Never rejects for a failing target (that is a `DOWN` result with a reason);
   * rejects only with `signal.reason` when the caller aborts.
   */
  check(target: Target, signal?: AbortSignal): Promise<CheckResult> {
    switch (target.kind) {
      case 'http':
        return checkHttp(target, this.env, signal);
      case 'tcp':
        return checkTcp(target, this.env, signal);
      case 'dns':
        return checkDns(target, this.env, signal);
    }
  }
}

let sharedProber: Prober | undefined;

/** Runs one check with a process-wide prober (one DNS cache for every target). */
export function runCheck(target: Target, options: { signal?: AbortSignal } = {}): Promise<CheckResult> {
  sharedProber ??= new Prober();
  return sharedProber.check(target, options.signal);
}
