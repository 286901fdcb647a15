/**
 * Alerts the checking window passes to the window whose target it is, through a notices file in
 * global storage (`SharedTargetsBoard.deliver`), and what the receiving window makes of them.
 */
import type { MonitorEvent } from '../scheduler/monitorEvent';
import type { Target } from '../targets/target';

/**
 * What the checking window writes to another window's notices file: the event with its target
 * reduced to the id and its check to status and message. The file is on disk and other
 * processes read it, so nothing resolved (headers with secret values, request bodies) goes in.
 */
export function noticeOf(event: MonitorEvent): unknown {
  const notice: Record<string, unknown> = { ...event, target: event.target ? { id: event.target.id } : undefined };
  if ('result' in event && event.result) {
    const { targetId, status, reason, message, statusCode, startedAt, totalMs } = event.result;
    notice.result = { targetId, status, reason, message, statusCode, startedAt, totalMs };
  }
  return notice;
}

/** The event a notice stands for, on this window's own target; the phases and TLS details are not passed on. */
export function eventFromNotice(notice: Partial<MonitorEvent>, target: Target): MonitorEvent {
  const result =
    'result' in notice && notice.result
      ? {
          ...(notice.result as object),
          phases: { dns: 0, connect: 0, tls: 0, firstByte: 0, transfer: 0 },
          tls: null,
          addresses: [],
          target: target.url,
        }
      : undefined;
  return { ...notice, target, ...(result ? { result } : {}) } as MonitorEvent;
}
