/**
 * The one typed view of the `networkMonitor.*` settings (targets excepted: `TargetConfiguration`
 * merges those). Everything reads settings through it, and it tells its listeners when any of its
 * values changed, so changes apply without a reload.
 */
import * as vscode from 'vscode';
import { DEFAULT_ANOMALY_THRESHOLD } from '../../core/anomaly/anomalyDetector';
import { DEFAULT_SCHEDULER_SETTINGS } from '../../core/scheduler/scheduler';
import { DEFAULT_RETENTION } from '../../core/store/historyStore';
import { DEFAULT_TARGET_DEFAULTS } from '../../core/targets/target';

export const SETTINGS_SECTION = 'networkMonitor';
/** The seed's port. */
export const DEFAULT_API_PORT = 5000;
const DAY_MS = 86_400_000;

export interface MonitorSettingsValues {
  defaults: {
    intervalSeconds: number;
    timeoutMs: number;
    retries: number;
    alertThreshold: number;
  };
  certificateWarningDays: number;
  retention: { rawDays: number; hourlyDays: number };
  notifications: {
    down: boolean;
    recovery: boolean;
    certificates: boolean;
    anomalies: boolean;
    reminderMinutes: number;
  };
  statusBar: { enabled: boolean };
  api: { enabled: boolean; port: number; allowUnauthenticatedMetrics: boolean; corsOrigin: string };
  anomaly: { threshold: number };
  geo: { onlineLookup: boolean };
}

export const DEFAULT_SETTINGS: Readonly<MonitorSettingsValues> = {
  defaults: {
    intervalSeconds: DEFAULT_TARGET_DEFAULTS.intervalMs / 1000,
    timeoutMs: DEFAULT_TARGET_DEFAULTS.timeoutMs,
    retries: DEFAULT_SCHEDULER_SETTINGS.retries,
    alertThreshold: DEFAULT_SCHEDULER_SETTINGS.alertThreshold,
  },
  certificateWarningDays: DEFAULT_SCHEDULER_SETTINGS.certExpiryDays,
  retention: { rawDays: DEFAULT_RETENTION.rawMs / DAY_MS, hourlyDays: DEFAULT_RETENTION.hourMs / DAY_MS },
  notifications: { down: true, recovery: true, certificates: true, anomalies: false, reminderMinutes: 0 },
  statusBar: { enabled: true },
  api: { enabled: false, port: DEFAULT_API_PORT, allowUnauthenticatedMetrics: false, corsOrigin: '' },
  anomaly: { threshold: DEFAULT_ANOMALY_THRESHOLD },
  geo: { onlineLookup: false },
};

/** Which groups of settings changed, so each listener redoes only its own work. */
export type SettingsArea = 'targets' | 'defaults' | 'scheduler' | 'retention' | 'notifications' | 'statusBar' | 'api' | 'anomaly' | 'geo';

const AREA_KEYS: Record<SettingsArea, string[]> = {
  targets: ['targets'],
  defaults: ['defaults'],
  scheduler: ['defaults.retries', 'defaults.alertThreshold', 'certificates.warningDays', 'notifications.reminderMinutes'],
  retention: ['retention'],
  notifications: ['notifications'],
  statusBar: ['statusBar'],
  api: ['api'],
  anomaly: ['anomaly'],
  geo: ['geo'],
};

export class MonitorSettings implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<ReadonlySet<SettingsArea>>();
  /** Fires with the areas whose settings changed. */
  readonly onDidChange = this.changeEmitter.event;
  private readonly subscription: vscode.Disposable;
  private cached: MonitorSettingsValues | undefined;

  constructor() {
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(SETTINGS_SECTION)) return;
      const areas = new Set<SettingsArea>();
      for (const [area, keys] of Object.entries(AREA_KEYS) as [SettingsArea, string[]][]) {
        if (keys.some((key) => event.affectsConfiguration(`${SETTINGS_SECTION}.${key}`))) areas.add(area);
      }
      this.cached = undefined;
      if (areas.size > 0) this.changeEmitter.fire(areas);
    });
  }

  get values(): MonitorSettingsValues {
    this.cached ??= this.read();
    return this.cached;
  }

  private read(): MonitorSettingsValues {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    const number = (key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
      const value = config.get<unknown>(key);
      return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
    };
    const flag = (key: string, fallback: boolean): boolean => {
      const value = config.get<unknown>(key);
      return typeof value === 'boolean' ? value : fallback;
    };
    const text = (key: string, fallback: string): string => {
      const value = config.get<unknown>(key);
      return typeof value === 'string' ? value.trim() : fallback;
    };
    const d = DEFAULT_SETTINGS;
    return {
      defaults: {
        intervalSeconds: number('defaults.interval', d.defaults.intervalSeconds, 1),
        timeoutMs: number('defaults.timeout', d.defaults.timeoutMs, 1),
        retries: Math.round(number('defaults.retries', d.defaults.retries, 0, 10)),
        alertThreshold: Math.round(number('defaults.alertThreshold', d.defaults.alertThreshold, 1, 100)),
      },
      certificateWarningDays: number('certificates.warningDays', d.certificateWarningDays, -1, 365),
      retention: {
        rawDays: number('retention.rawDays', d.retention.rawDays, 1, 365),
        hourlyDays: number('retention.hourlyDays', d.retention.hourlyDays, 1, 3650),
      },
      notifications: {
        down: flag('notifications.down', d.notifications.down),
        recovery: flag('notifications.recovery', d.notifications.recovery),
        certificates: flag('notifications.certificates', d.notifications.certificates),
        anomalies: flag('notifications.anomalies', d.notifications.anomalies),
        reminderMinutes: number('notifications.reminderMinutes', d.notifications.reminderMinutes, 0, 10_080),
      },
      statusBar: { enabled: flag('statusBar.enabled', d.statusBar.enabled) },
      api: {
        enabled: flag('api.enabled', d.api.enabled),
        port: Math.round(number('api.port', d.api.port, 1, 65535)),
        allowUnauthenticatedMetrics: flag('api.allowUnauthenticatedMetrics', d.api.allowUnauthenticatedMetrics),
        corsOrigin: text('api.corsOrigin', d.api.corsOrigin),
      },
      anomaly: { threshold: number('anomaly.threshold', d.anomaly.threshold, 0, 1) },
      geo: { onlineLookup: flag('geo.onlineLookup', d.geo.onlineLookup) },
    };
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }
}
