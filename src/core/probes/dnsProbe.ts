/** The DNS resolution check (`dns://name`): a fresh lookup every time, so its time is measured. */
import type { CheckResult } from './checkResult';
import type { Target } from '../targets/target';
import { CheckRun } from './checkRun';
import { classifyError } from './failure';
import type { ProbeEnvironment } from './httpProbe';

export async function checkDns(target: Target, env: ProbeEnvironment, signal: AbortSignal | undefined): Promise<CheckResult> {
  const run = new CheckRun(target, signal);
  try {
    const resolution = await run.deadline.race(env.resolver.resolveFresh(target.host));
    run.clock.lap('dns');
    run.addresses = resolution.addresses;
    const count = resolution.addresses.length;
    return run.result({
      status: 'UP',
      reason: null,
      message: `${target.host} resolved to ${count} address${count === 1 ? '' : 'es'} in ${run.clock.totalMs.toFixed(1)} ms.`,
    });
  } catch (error) {
    run.clock.lap('dns');
    if (run.deadline.expired) return run.timedOut(`${target.host} did not resolve within ${target.timeoutMs} ms.`);
    const failure = classifyError(error, target.host);
    return run.result({ status: 'DOWN', reason: failure.reason === 'ERROR' ? 'DNS_ERROR' : failure.reason, message: failure.message });
  } finally {
    run.dispose();
  }
}
