/** The TCP connect check (`tcp://host:port`): resolves, connects, closes. */
import type { CheckResult } from './checkResult';
import type { Target } from '../targets/target';
import { connectTcp } from './connect';
import { Deadline } from './deadline';
import { classifyError } from './failure';
import type { ProbeEnvironment } from './httpProbe';
import { PhaseClock, round3, roundPhases } from './phaseClock';

export async function checkTcp(target: Target, env: ProbeEnvironment, signal: AbortSignal | undefined): Promise<CheckResult> {
  const startedAt = Date.now();
  const clock = new PhaseClock();
  const deadline = new Deadline(target.timeoutMs, signal);
  let addresses: string[] = [];
  let stage: 'dns' | 'connect' = 'dns';
  const finish = (outcome: Pick<CheckResult, 'status' | 'reason' | 'message'>): CheckResult => ({
    targetId: target.id,
    target: target.url,
    startedAt,
    ...outcome,
    statusCode: null,
    totalMs: round3(clock.totalMs),
    phases: roundPhases(clock.phases),
    tls: null,
    addresses,
  });
  try {
    const resolution = await deadline.race(env.resolver.resolve(target.host));
    addresses = resolution.addresses;
    if (resolution.measured) clock.lap('dns');
    stage = 'connect';
    const socket = await connectTcp(addresses, target.port, deadline);
    clock.lap('connect');
    socket.destroy();
    return finish({ status: 'UP', reason: null, message: `Port ${target.port} accepted a connection in ${clock.totalMs.toFixed(1)} ms.` });
  } catch (error) {
    clock.lap(stage);
    if (deadline.callerAborted) throw deadline.reason;
    if (deadline.expired) {
      return finish({ status: 'DOWN', reason: 'TIMEOUT', message: `No connection within ${target.timeoutMs} ms (timed out while ${stage === 'dns' ? 'resolving the name' : 'connecting'}).` });
    }
    const failure = classifyError(error, `${target.host}:${target.port}`);
    return finish({ status: 'DOWN', reason: failure.reason, message: failure.message });
  } finally {
    deadline.dispose();
  }
}
