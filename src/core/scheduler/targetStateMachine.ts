/**
 * The per-target state machine: pure (no timers, no I/O), driven by the counted check results
 * the scheduler feeds it, so every rule below is tested by feeding results in.
 *
 * Rules:
 * - Status follows the last counted check: UP, DEGRADED (answered, but slower than its budget)
 *   or DOWN. UNKNOWN until the first check; PAUSED while the user has paused it.
 * - A DOWN check adds to `consecutiveFailures`; UP and DEGRADED reset it (DEGRADED answers, so it
 *   is not a failure and ends an outage).
 * - `alert` fires when the count reaches `alertThreshold`, once per outage. `recovered` fires when
 *   the first UP/DEGRADED check follows an alert. While still down, `reminder` fires every
 *   `reminderMs` after the alert (0 = never).
 * - Flapping: every change between UP, DEGRADED and DOWN is counted (the first check and pauses
 *   are not). When `flapThreshold` changes fall within `flapWindowMs`, one `flapping` event fires
 *   and alerts, recoveries and reminders are held back. The episode settles when the status has
 *   held for a whole window: `flappingSettled` fires, and then, if the target settled DOWN with at
 *   least `alertThreshold` failures and no alert raised, `alert`; if it settled UP/DEGRADED after an
 *   alert, `recovered`. So a flapping target produces at most one alert and one recovery per episode.
 * - Maintenance (a snooze or a maintenance window, maintenance.ts): checks made during it update
 *   the status and the failure count, but alerts, reminders and recoveries are held back, as in a
 *   flapping episode; at the first check after it, a target still down past the threshold is
 *   alerted on and one that came back after an alert is reported recovered.
 * - `certificateExpiring` fires when a check's certificate has `daysLeft <= certExpiryDays`, once
 *   per certificate (`validTo`) per 24 hours.
 * Times come from the checks' `startedAt`, so the machine is a function of its inputs.
 */
import type { CheckResult } from '../probes/checkResult';
import type { Target } from '../targets/target';
import type { TargetStatus } from '../../shared/targetStatus';
import type { MonitorEvent, TargetState } from './monitorEvent';

export interface StateMachineSettings {
  /** Consecutive failed checks before an alert; at least 1. */
  alertThreshold: number;
  /** Re-announce a continuing outage this often; 0 = never. */
  reminderMs: number;
  /** Status changes within `flapWindowMs` that make a target flapping; at least 2. */
  flapThreshold: number;
  flapWindowMs: number;
  /** Warn when a certificate has this many days left or fewer; negative = never. */
  certExpiryDays: number;
}

const CERT_NOTICE_PERIOD_MS = 24 * 60 * 60 * 1000;

/** The parts of `TargetState` the machine owns; the scheduler adds `nextCheckAt` and `checking`. */
export type MachineState = Omit<TargetState, 'nextCheckAt' | 'checking'>;

export class TargetStateMachine {
  private status: TargetStatus;
  /** The status to return to on resume. */
  private statusBeforePause: TargetStatus = 'UNKNOWN';
  private consecutiveFailures = 0;
  private lastResult: CheckResult | null = null;
  private statusSince: number | null = null;
  private downSince: number | null = null;
  private alerting = false;
  /** Start of the outage the current alert is about (survives a flapping episode). */
  private alertedOutageSince: number | null = null;
  private lastAlertNoticeAt = 0;
  private flapping = false;
  private maintenance = false;
  /** Times of recent status changes, oldest first, pruned to the flapping window. */
  private changeTimes: number[] = [];
  private certNotice: { validTo: string; at: number } | null = null;

  constructor(
    public target: Target,
    private settings: StateMachineSettings,
    paused = false,
  ) {
    this.status = paused ? 'PAUSED' : 'UNKNOWN';
  }

  get currentStatus(): TargetStatus {
    return this.status;
  }

  get paused(): boolean {
    return this.status === 'PAUSED';
  }

  updateSettings(settings: StateMachineSettings): void {
    this.settings = settings;
  }

  snapshot(): MachineState {
    return {
      targetId: this.target.id,
      status: this.status,
      consecutiveFailures: this.consecutiveFailures,
      lastResult: this.lastResult,
      statusSince: this.statusSince,
      downSince: this.downSince,
      alerting: this.alerting,
      flapping: this.flapping,
      maintenance: this.maintenance,
    };
  }

  /** Applies a counted check and returns the events it causes, in the order to publish them. */
  apply(result: CheckResult, maintenance = false): MonitorEvent[] {
    if (this.status === 'PAUSED') return [];
    const target = this.target;
    const at = result.startedAt;
    const events: MonitorEvent[] = [];
    const from = this.status;
    const to: TargetStatus = result.status;

    this.lastResult = result;
    this.maintenance = maintenance;
    if (to === 'DOWN') {
      this.consecutiveFailures++;
      this.downSince ??= at;
    } else {
      this.consecutiveFailures = 0;
      this.downSince = null;
    }
    if (to !== from) {
      this.status = to;
      this.statusSince = at;
      if (from !== 'UNKNOWN') this.changeTimes.push(at);
      events.push({ type: 'stateChanged', target, from, to, result });
    }

    this.updateFlapping(at, events);
    if (!this.flapping && !maintenance) this.updateAlerting(result, events);
    this.updateCertificateNotice(result, events);
    return events;
  }

  /** Returns the `stateChanged` event, or null when already paused. */
  pause(at: number): MonitorEvent | null {
    if (this.status === 'PAUSED') return null;
    this.statusBeforePause = this.status;
    const from = this.status;
    this.status = 'PAUSED';
    this.statusSince = at;
    return { type: 'stateChanged', target: this.target, from, to: 'PAUSED', result: null };
  }

  /** Returns to the status known before the pause (an outage and its alert carry on). */
  resume(at: number): MonitorEvent | null {
    if (this.status !== 'PAUSED') return null;
    const to = this.statusBeforePause;
    this.status = to;
    this.statusSince = at;
    return { type: 'stateChanged', target: this.target, from: 'PAUSED', to, result: null };
  }

  private updateFlapping(at: number, events: MonitorEvent[]): void {
    const { flapThreshold, flapWindowMs } = this.settings;
    const windowStart = at - flapWindowMs;
    let stale = 0;
    while (stale < this.changeTimes.length && this.changeTimes[stale]! <= windowStart) stale++;
    if (stale > 0) this.changeTimes = this.changeTimes.slice(stale);

    if (!this.flapping && this.changeTimes.length >= flapThreshold) {
      this.flapping = true;
      events.push({ type: 'flapping', target: this.target, changes: this.changeTimes.length, windowMs: flapWindowMs });
    } else if (this.flapping && this.statusSince !== null && at - this.statusSince >= flapWindowMs) {
      this.flapping = false;
      events.push({ type: 'flappingSettled', target: this.target, status: this.status });
    }
  }

  private updateAlerting(result: CheckResult, events: MonitorEvent[]): void {
    const target = this.target;
    const at = result.startedAt;
    if (this.status === 'DOWN') {
      if (!this.alerting && this.consecutiveFailures >= this.settings.alertThreshold) {
        this.alerting = true;
        this.alertedOutageSince = this.downSince;
        this.lastAlertNoticeAt = at;
        events.push({ type: 'alert', target, result, consecutiveFailures: this.consecutiveFailures });
      } else if (this.alerting && this.settings.reminderMs > 0 && at - this.lastAlertNoticeAt >= this.settings.reminderMs) {
        this.lastAlertNoticeAt = at;
        events.push({
          type: 'reminder',
          target,
          result,
          consecutiveFailures: this.consecutiveFailures,
          downForMs: at - (this.alertedOutageSince ?? at),
        });
      }
    } else if (this.alerting) {
      this.alerting = false;
      // After a flapping episode the outage ended when the current (settled) status began.
      const backSince = this.statusSince ?? at;
      const downtimeMs = Math.max(0, backSince - (this.alertedOutageSince ?? backSince));
      this.alertedOutageSince = null;
      events.push({ type: 'recovered', target, result, downtimeMs });
    }
  }

  private updateCertificateNotice(result: CheckResult, events: MonitorEvent[]): void {
    const tls = result.tls;
    const { certExpiryDays } = this.settings;
    if (!tls || certExpiryDays < 0 || tls.daysLeft > certExpiryDays) return;
    const at = result.startedAt;
    const notice = this.certNotice;
    if (notice && notice.validTo === tls.validTo && at - notice.at < CERT_NOTICE_PERIOD_MS) return;
    this.certNotice = { validTo: tls.validTo, at };
    events.push({ type: 'certificateExpiring', target: this.target, daysLeft: tls.daysLeft, validTo: tls.validTo });
  }
}
