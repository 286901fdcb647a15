/**
 * What every probe does around its own work: start the clock and the deadline, collect what the
 * check learns (addresses, certificate), and build the result, so the three probes stay about
 * their protocol.
 */
import type { CheckResult, ProxyRoute, TlsDetails } from './checkResult';
import type { Target } from '../targets/target';
import { Deadline } from './deadline';
import { PhaseClock, round3, roundPhases } from './phaseClock';
import { hideSecrets } from './secretScrubbing';

/**
 * Longest message kept with a check. Messages can quote what a server sent (a redirect's
 * Location, an error text), and every check's message goes into the history.
 */
export const MAX_MESSAGE_LENGTH = 1024;

export function clipMessage(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}

/**
 * The message a check of `target` keeps: its secrets' values hidden (a server may echo them),
 * then clipped. Every check result is built through here, so the history, the views, the API
 * and the alert channels all get the same hidden text. Hidden before clipping, so a clip cannot
 * leave part of a secret that no longer matches.
 */
export function checkMessage(target: Target, message: string): string {
  return clipMessage(hideSecrets(message, target.http?.secretValues ?? []));
}

export type Outcome = Pick<CheckResult, 'status' | 'reason' | 'message'> & { statusCode?: number | null };

export class CheckRun {
  readonly startedAt = Date.now();
  readonly clock = new PhaseClock();
  readonly deadline: Deadline;
  addresses: string[] = [];
  tls: TlsDetails | null = null;
  proxy: ProxyRoute | null = null;

  constructor(
    readonly target: Target,
    signal: AbortSignal | undefined,
  ) {
    this.deadline = new Deadline(target.timeoutMs, signal);
  }

  result(outcome: Outcome): CheckResult {
    return {
      targetId: this.target.id,
      target: this.target.url,
      startedAt: this.startedAt,
      status: outcome.status,
      reason: outcome.reason,
      message: checkMessage(this.target, outcome.message),
      statusCode: outcome.statusCode ?? null,
      totalMs: round3(this.clock.totalMs),
      phases: roundPhases(this.clock.phases),
      tls: this.tls,
      addresses: this.addresses,
      ...(this.proxy
        ? { proxy: { url: this.proxy.url, connectMs: round3(this.proxy.connectMs), tunnelMs: round3(this.proxy.tunnelMs) } }
        : {}),
    };
  }

  /** The result for a deadline that passed; rethrows when the caller aborted instead. */
  timedOut(message: string, statusCode: number | null = null): CheckResult {
    if (this.deadline.callerAborted) throw this.deadline.reason;
    return this.result({ status: 'DOWN', reason: 'TIMEOUT', message, statusCode });
  }

  dispose(): void {
    this.deadline.dispose();
  }
}
