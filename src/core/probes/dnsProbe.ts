/** The DNS resolution check (`dns://name`): a fresh lookup every time, so its time is measured. */
import type { CheckResult } from './checkResult';
import type { Target } from '../targets/target';
import { Deadline } from './deadline';
import { classifyError } from './failure';
import type { ProbeEnvironment } from './httpProbe';
import { PhaseClock, round3, roundPhases } from './phaseClock';

export async function checkDns(target: Target, env: ProbeEnvironment, signal: AbortSignal | undefined): Promise<CheckResult> {
  const startedAt = Date.now();
  const clock = new PhaseClock();
  const deadline = new Deadline(target.timeoutMs, signal);
  const finish = (outcome: Pick<CheckResult, 'status' | 'reason' | 'message' | 'addresses'>): CheckResult => ({
    targetId: target.id,
    target: target.url,
    startedAt,
    ...outcome,
    statusCode: null,
    totalMs: round3(clock.totalMs),
    phases: roundPhases(clock.phases),
    tls: null,
  });
  try {
    const resolution = await deadline.race(env.resolver.resolveFresh(target.host));
    clock.lap('dns');
    const count = resolution.addresses.length;
    return finish({ status: 'UP', reason: null, message: `${target.host} resolved to ${count} address${count === 1 ? '' : 'es'} in ${clock.totalMs.toFixed(1)} ms.`, addresses: resolution.addresses });
  } catch (error) {
    clock.lap('dns');
    if (deadline.callerAborted) throw deadline.reason;
    if (deadline.expired) {
      return finish({ status: 'DOWN', reason: 'TIMEOUT', message: `${target.host} did not resolve within ${target.timeoutMs} ms.`, addresses: [] });
    }
    const failure = classifyError(error, target.host);
    return finish({ status: 'DOWN', reason: failure.reason === 'ERROR' ? 'DNS_ERROR' : failure.reason, message: failure.message, addresses: [] });
  } finally {
    deadline.dispose();
  }
}
