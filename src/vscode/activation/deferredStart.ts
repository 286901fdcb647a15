/**
 * Monitoring starts after activate() has returned, so the editor never waits for the WebAssembly,
 * the history or the first checks; the commands clicked before it settles wait for it instead.
 */
import * as vscode from 'vscode';
import type { ApiController } from '../api/apiController';
import type { ProxyConfiguration } from '../config/proxyConfiguration';
import type { TargetConfiguration } from '../config/targetConfiguration';
import type { MonitorService } from '../monitor/monitorService';
import type { AlertChannelController } from '../notifications/alertChannelController';

/** Set once the settings have been read, so the welcome view does not flash before the first read. */
const LOADED_CONTEXT_KEY = 'networkMonitor.targetsLoaded';

/** Milliseconds spent in activate() itself, and from its start until monitoring was running. */
export class ActivationTimings {
  private readonly startedAt = performance.now();
  activateMs = 0;
  readyMs: number | undefined;

  /** activate() is about to return. */
  activated(): void {
    this.activateMs = performance.now() - this.startedAt;
  }

  /** Monitoring runs; returns how long after the start of activate(). */
  ready(): number {
    this.readyMs = performance.now() - this.startedAt;
    return this.readyMs;
  }
}

export interface StartingParts {
  proxy: ProxyConfiguration;
  targets: TargetConfiguration;
  alertChannels: AlertChannelController;
  monitor: MonitorService;
  api: ApiController;
  log: vscode.LogOutputChannel;
}

/**
 * Reads the settings, starts monitoring and the API on the next turn of the event loop. Resolves
 * once this window is checking or showing another's checks, or once the reason it could not is logged.
 */
export function startAfterActivation(parts: StartingParts, timings: ActivationTimings): Promise<void> {
  const { proxy, targets, alertChannels, monitor, api, log } = parts;
  return new Promise<void>((resolve) => {
    setTimeout(() => {
      void (async () => {
        try {
          // Before the first check, so none goes out without the proxy or its credentials.
          await proxy.reload();
          await targets.reload();
          await alertChannels.reload();
          void vscode.commands.executeCommand('setContext', LOADED_CONTEXT_KEY, true);
          await monitor.start();
          // Off unless networkMonitor.api.enabled; a taken port is reported, not fatal.
          await api.start();
          const readyMs = timings.ready();
          log.info(`Activated in ${timings.activateMs.toFixed(1)} ms; monitoring ran ${readyMs.toFixed(0)} ms after activation began.`);
        } catch (error) {
          log.error(`Network Monitor could not start: ${(error as Error).stack ?? error}`);
        }
        resolve();
      })();
    }, 0);
  });
}
