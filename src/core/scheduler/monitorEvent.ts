/**
 * The one event stream the scheduler publishes (`Scheduler.onEvent`). The store, the views, the
 * notifications, the API and the CLI subscribe to it and switch on `type`.
 */
import type { TargetStatus } from '../../shared/targetStatus';
import type { CheckResult } from '../probes/checkResult';
import type { Target } from '../targets/target';

/** A snapshot of one target's monitoring state; a copy, safe to keep. */
export interface TargetState {
  targetId: string;
  status: TargetStatus;
  /** Counted (final) failed checks in a row; 0 once a check is UP or DEGRADED. */
  consecutiveFailures: number;
  /** The last counted check, or null before the first one. */
  lastResult: CheckResult | null;
  /** When `status` last changed (epoch ms): the start of the check that changed it, or the pause or resume; null before. */
  statusSince: number | null;
  /** `startedAt` of the first failed check of the current outage; null while not DOWN. */
  downSince: number | null;
  /** An alert was raised for the current outage and no recovery has been reported yet. */
  alerting: boolean;
  /** Inside a flapping episode: alerts and recoveries are held back until it settles. */
  flapping: boolean;
  /** Its last check fell in a snooze or a maintenance window: alerts and recoveries wait for its end. */
  maintenance: boolean;
  /** When the next scheduled check is planned; null while paused, checking or stopped. */
  nextCheckAt: number | null;
  /** A check (with its retries) is running now. */
  checking: boolean;
}

export type MonitorEvent =
  | CheckCompletedEvent
  | CheckRetryingEvent
  | StateChangedEvent
  | AlertEvent
  | RecoveredEvent
  | ReminderEvent
  | FlappingEvent
  | FlappingSettledEvent
  | CertificateExpiringEvent
  | WarningEvent;

/**
 * A counted check: the final attempt of a check with its retries. Exactly one per scheduled or
 * requested check; this is what the store records and what uptime is computed from.
 */
export interface CheckCompletedEvent {
  type: 'checkCompleted';
  target: Target;
  result: CheckResult;
  /** The target's state after this check was applied. */
  state: TargetState;
  /** When the check was due (scheduler clock); null for a check the user asked for. */
  plannedAt: number | null;
  /** When its first attempt actually started, after waiting for a concurrency slot. */
  startedAt: number;
  /** 1 + the number of retries it took. */
  attempts: number;
  /** Made during a snooze or a maintenance window: recorded as such, not alerted on. */
  maintenance: boolean;
}

/**
 * An attempt failed and will be retried after `retryInMs`; it does not count yet. Reported for
 * logs ("retrying in 2 s"); the store and the state machine ignore it.
 */
export interface CheckRetryingEvent {
  type: 'checkRetrying';
  target: Target;
  result: CheckResult;
  /** The attempt that failed, from 1. */
  attempt: number;
  retryInMs: number;
}

export interface StateChangedEvent {
  type: 'stateChanged';
  target: Target;
  from: TargetStatus;
  to: TargetStatus;
  /** The check that caused it; null when the change is a pause or a resume. */
  result: CheckResult | null;
}

/** Raised once per outage, at `alertThreshold` consecutive failed checks. */
export interface AlertEvent {
  type: 'alert';
  target: Target;
  result: CheckResult;
  consecutiveFailures: number;
}

/** The target answers again after an alert was raised. */
export interface RecoveredEvent {
  type: 'recovered';
  target: Target;
  result: CheckResult;
  /** From the first failed check of the outage to the check that succeeded. */
  downtimeMs: number;
}

/** Still down, `reminderMinutes` after the alert or the previous reminder. */
export interface ReminderEvent {
  type: 'reminder';
  target: Target;
  result: CheckResult;
  consecutiveFailures: number;
  downForMs: number;
}

/** The status changed `changes` times within `windowMs`: once per episode. */
export interface FlappingEvent {
  type: 'flapping';
  target: Target;
  changes: number;
  windowMs: number;
}

/** A flapping episode ended: the status held for a whole window. */
export interface FlappingSettledEvent {
  type: 'flappingSettled';
  target: Target;
  status: TargetStatus;
}

/** The certificate expires within `certExpiryDays` (or has expired: `daysLeft` < 0). */
export interface CertificateExpiringEvent {
  type: 'certificateExpiring';
  target: Target;
  daysLeft: number;
  /** ISO 8601. */
  validTo: string;
}

/** Something the user should fix or know, in a sentence (a very short interval, a probe bug...). */
export interface WarningEvent {
  type: 'warning';
  target?: Target;
  message: string;
}
