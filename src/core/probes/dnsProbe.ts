/** The DNS resolution check (`dns://name`): a fresh lookup every time, so its time is measured. */
import type { CheckResult } from './checkResult';
import type { Target } from '../targets/target';
import { classifyError, ProbeFailure } from './failure';
import type { ProbeEnvironment } from './httpProbe';
import { PhaseClock, round3, roundPhases } from './phaseClock';
import { abortPromise } from './dnsResolver';

export async function checkDns(target: Target, env: ProbeEnvironment, signal: AbortSignal | undefined): Promise<CheckResult> {
  const startedAt = Date.now();
  const clock = new PhaseClock();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new ProbeFailure('TIMEOUT', '')), target.timeoutMs);
  const onCallerAbort = (): void => deadline.abort(signal!.reason);
  signal?.addEventListener('abort', onCallerAbort, { once: true });
  const abort = abortPromise(deadline.signal);
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
    const resolution = await Promise.race([env.resolver.resolveFresh(target.host, deadline.signal), abort.promise]);
    clock.lap('dns');
    const count = resolution.addresses.length;
    return finish({ status: 'UP', reason: null, message: `${target.host} resolved to ${count} address${count === 1 ? '' : 'es'} in ${clock.totalMs.toFixed(1)} ms.`, addresses: resolution.addresses });
  } catch (error) {
    clock.lap('dns');
    if (signal?.aborted) throw signal.reason;
    if (deadline.signal.aborted) {
      return finish({ status: 'DOWN', reason: 'TIMEOUT', message: `${target.host} did not resolve within ${target.timeoutMs} ms.`, addresses: [] });
    }
    const failure = classifyError(error, target.host);
    return finish({ status: 'DOWN', reason: failure.reason === 'ERROR' ? 'DNS_ERROR' : failure.reason, message: failure.message, addresses: [] });
  } finally {
    abort.dispose();
    clearTimeout(timer);
    signal?.removeEventListener('abort', onCallerAbort);
  }
}
