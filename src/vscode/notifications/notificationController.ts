/**
 * Editor notifications for what the scheduler reports: a warning when a target has failed
 * `alertThreshold` checks in a row (Open Dashboard, Check Now, Mute Target), an information
 * message when it answers again, a warning when its certificate is about to expire, and, when the
 * user opted in, anomalies. Only the writer window hears these events, so only one window speaks.
 */
import * as vscode from 'vscode';
import type { RecordedCheck } from '../../core/monitorEngine';
import type { AlertEvent, MonitorEvent, RecoveredEvent } from '../../core/scheduler/monitorEvent';
import { CommandId } from '../commands/commandIds';
import { unusualPhaseSentence } from '../../shared/unusualPhaseText';
import type { MonitorSettings } from '../config/monitorSettings';
import { formatDuration, listNames } from '../format/monitorText';
import type { MonitorService } from '../monitor/monitorService';
import { showMessage } from './editorMessages';
import type { MuteList } from './muteList';
import { NotificationBatcher, RateLimiter, StateNotificationLedger } from './notificationRules';

/** Alerts that arrive within this window are shown together. */
export const ALERT_BATCH_MS = 1_000;
const ANOMALY_INTERVAL_MS = 30 * 60_000;
const MAX_ANOMALY_NOTICES = 3;
const MAX_KEPT = 50;

export type NotificationKind =
  'down' | 'downSummary' | 'recovered' | 'recoveredSummary' | 'reminder' | 'certificate' | 'anomaly' | 'warning';

export interface ShownNotification {
  kind: NotificationKind;
  message: string;
  targetIds: string[];
  at: number;
}

export class NotificationController implements vscode.Disposable {
  private readonly downBatch: NotificationBatcher<AlertEvent>;
  private readonly upBatch: NotificationBatcher<RecoveredEvent>;
  private readonly ledger = new StateNotificationLedger();
  private readonly anomalyLimiter = new RateLimiter(ANOMALY_INTERVAL_MS, MAX_ANOMALY_NOTICES);
  private readonly certificateNoticed = new Set<string>();
  private readonly warned = new Set<string>();
  private readonly subscriptions: vscode.Disposable[];
  /** The last notifications shown, newest last (the test API reads them). */
  readonly shown: ShownNotification[] = [];

  constructor(
    monitor: MonitorService,
    private readonly settings: MonitorSettings,
    private readonly mutes: MuteList,
    batchMs = ALERT_BATCH_MS,
  ) {
    this.downBatch = new NotificationBatcher(batchMs, (alerts) => this.showDown(alerts));
    this.upBatch = new NotificationBatcher(batchMs, (recoveries) => this.showRecovered(recoveries));
    this.subscriptions = [
      monitor.onEvent((event) => this.handle(event)),
      monitor.onDidRecordCheck((check) => this.handleAnomaly(check)),
      monitor.onDidChangeTargets(() => {
        const ids = new Set(monitor.targets.map((configured) => configured.target.id));
        for (const id of [...this.certificateNoticed]) if (!ids.has(id)) this.certificateNoticed.delete(id);
      }),
    ];
  }

  private handle(event: MonitorEvent): void {
    const values = this.settings.values.notifications;
    switch (event.type) {
      case 'alert':
        if (this.ledger.isNews(event.target.id, 'down') && values.down && !this.mutes.isMuted(event.target.id)) this.downBatch.add(event);
        break;
      case 'recovered':
        if (this.ledger.isNews(event.target.id, 'up') && values.recovery && !this.mutes.isMuted(event.target.id)) this.upBatch.add(event);
        break;
      case 'reminder':
        if (values.down && !this.mutes.isMuted(event.target.id)) {
          const message = vscode.l10n.t(
            '{0} is still down after {1}: {2}',
            event.target.name,
            formatDuration(event.downForMs),
            event.result.message,
          );
          this.show('reminder', [event.target.id], message, 'warning', this.targetActions(event.target.id));
        }
        break;
      case 'certificateExpiring': {
        const key = `${event.target.id}|${event.validTo}`;
        if (this.certificateNoticed.has(key) || !values.certificates || this.mutes.isMuted(event.target.id)) break;
        this.certificateNoticed.add(key);
        const date = event.validTo.slice(0, 10);
        const message =
          event.daysLeft < 0
            ? vscode.l10n.t('The certificate of {0} expired on {1}. Renew it, or visitors get security errors.', event.target.name, date)
            : vscode.l10n.t(
                'The certificate of {0} expires in {1} days ({2}). Renew it before then.',
                event.target.name,
                event.daysLeft,
                date,
              );
        this.show('certificate', [event.target.id], message, 'warning', this.targetActions(event.target.id));
        break;
      }
      case 'warning': {
        // Configuration warnings (a too-short interval, duplicate ids) are said once per session.
        if (this.warned.has(event.message)) break;
        this.warned.add(event.message);
        this.show('warning', event.target ? [event.target.id] : [], event.message, 'warning', []);
        break;
      }
      default:
        break;
    }
  }

  private handleAnomaly(check: RecordedCheck): void {
    if (!check.anomalous || !this.settings.values.notifications.anomalies || this.mutes.isMuted(check.target.id)) return;
    if (!this.anomalyLimiter.allow(check.target.id, Date.now())) return;
    let message = vscode.l10n.t(
      '{0} answered unusually: {1} ms (anomaly score {2}).',
      check.target.name,
      Math.round(check.record.totalMs),
      (check.record.anomalyScore ?? 0).toFixed(2),
    );
    const unusual = unusualPhaseSentence(check.record.unusualPhase);
    if (unusual) message += ` ${unusual}`;
    this.show('anomaly', [check.target.id], message, 'info', [
      { title: vscode.l10n.t('Open Dashboard'), run: () => vscode.commands.executeCommand(CommandId.OpenDashboard) },
    ]);
  }

  private showDown(alerts: AlertEvent[]): void {
    if (alerts.length === 1) {
      const alert = alerts[0]!;
      const message = vscode.l10n.t(
        '{0} is down: {1} ({2} failed checks in a row)',
        alert.target.name,
        alert.result.message,
        alert.consecutiveFailures,
      );
      this.show('down', [alert.target.id], message, 'warning', this.targetActions(alert.target.id));
      return;
    }
    const names = alerts.map((alert) => alert.target.name);
    const message = vscode.l10n.t(
      '{0} targets are down: {1}. Your network may be down, or a shared dependency.',
      alerts.length,
      listNames(names),
    );
    this.show(
      'downSummary',
      alerts.map((alert) => alert.target.id),
      message,
      'warning',
      [
        { title: vscode.l10n.t('Open Dashboard'), run: () => vscode.commands.executeCommand(CommandId.OpenDashboard) },
        {
          title: vscode.l10n.t('Check Now'),
          run: () => Promise.all(alerts.map((alert) => vscode.commands.executeCommand(CommandId.CheckNow, alert.target.id))),
        },
      ],
    );
  }

  private showRecovered(recoveries: RecoveredEvent[]): void {
    if (recoveries.length === 1) {
      const recovered = recoveries[0]!;
      const message = vscode.l10n.t('{0} is back up after {1}.', recovered.target.name, formatDuration(recovered.downtimeMs));
      this.show('recovered', [recovered.target.id], message, 'info', []);
      return;
    }
    const message = vscode.l10n.t(
      '{0} targets are back up: {1}.',
      recoveries.length,
      listNames(recoveries.map((event) => event.target.name)),
    );
    this.show(
      'recoveredSummary',
      recoveries.map((event) => event.target.id),
      message,
      'info',
      [],
    );
  }

  private targetActions(targetId: string): { title: string; run: () => Thenable<unknown> }[] {
    return [
      { title: vscode.l10n.t('Open Dashboard'), run: () => vscode.commands.executeCommand(CommandId.OpenDashboard) },
      { title: vscode.l10n.t('Check Now'), run: () => vscode.commands.executeCommand(CommandId.CheckNow, targetId) },
      { title: vscode.l10n.t('Mute Target'), run: () => this.mutes.setMuted(targetId, true) },
    ];
  }

  private show(
    kind: NotificationKind,
    targetIds: string[],
    message: string,
    severity: 'info' | 'warning',
    actions: { title: string; run: () => Thenable<unknown> }[],
  ): void {
    this.shown.push({ kind, message, targetIds, at: Date.now() });
    if (this.shown.length > MAX_KEPT) this.shown.splice(0, this.shown.length - MAX_KEPT);
    const titles = actions.map((action) => action.title);
    const shown = showMessage(severity, message, ...titles);
    void shown.then((choice) => actions.find((action) => action.title === choice)?.run());
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.downBatch.dispose();
    this.upBatch.dispose();
  }
}
