/**
 * The local API of this window, over its monitor: the history it can read, each target's state
 * (the scheduler's own, whole), Check Now through the monitor (which asks the checking window
 * from a reading one), and the networkMonitor.api settings.
 */
import type * as vscode from 'vscode';
import { createApiDataSource } from '../../core/api/apiDataSource';
import type { MonitorSettings } from '../config/monitorSettings';
import type { MonitorService } from '../monitor/monitorService';
import { ApiController } from './apiController';

export function createMonitorApi(
  monitor: MonitorService,
  settings: MonitorSettings,
  secrets: vscode.SecretStorage,
  log: vscode.LogOutputChannel,
): ApiController {
  return new ApiController({
    secrets,
    log,
    settings: {
      get api() {
        return settings.values.api;
      },
      onDidChangeApi: (listener) => settings.onDidChange((areas) => areas.has('api') && listener()),
    },
    source: createApiDataSource({
      store: () => monitor.history,
      storeStatus: () => monitor.historyStatus,
      getTargets: () => monitor.snapshots().map((snapshot) => snapshot.configured.target),
      isWriter: () => monitor.role === 'writer',
      anomalyThreshold: () => monitor.anomalyThreshold,
      // A snapshot is the scheduler's own state of the target (whole, so checking and the next check show).
      scheduler: { checkNow: (id) => monitor.checkNow(id), state: (id) => monitor.snapshot(id) },
    }),
  });
}
