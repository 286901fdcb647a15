/** The TCP connect check (`tcp://host:port`): resolves, connects, closes. */
import type { CheckResult } from './checkResult';
import type { Target } from '../targets/target';
import { CheckRun } from './checkRun';
import { connectTcp } from './connect';
import { classifyError } from './failure';
import { assertAddressesAllowed } from './networkPolicy';
import type { ProbeEnvironment } from './httpProbe';

export async function checkTcp(target: Target, env: ProbeEnvironment, signal: AbortSignal | undefined): Promise<CheckResult> {
  const run = new CheckRun(target, signal);
  let stage: 'dns' | 'connect' = 'dns';
  try {
    run.clock.startNow();
    const resolution = env.resolver.resolveWithoutLookup(target.host) ?? (await run.deadline.race(env.resolver.resolve(target.host)));
    run.addresses = resolution.addresses;
    assertAddressesAllowed(run.addresses, target.host, { blockLinkLocal: target.blockLinkLocal, classify: env.classifyAddress });
    if (resolution.measured) run.clock.lap('dns');
    stage = 'connect';
    const { socket } = await connectTcp(run.addresses, target.port, run.deadline);
    run.clock.lap('connect');
    socket.destroy();
    return run.result({
      status: 'UP',
      reason: null,
      message: `Port ${target.port} accepted a connection in ${run.clock.totalMs.toFixed(1)} ms.`,
    });
  } catch (error) {
    run.clock.lap(stage);
    if (run.deadline.expired) {
      return run.timedOut(
        `No connection within ${target.timeoutMs} ms (timed out while ${stage === 'dns' ? 'resolving the name' : 'connecting'}).`,
      );
    }
    const failure = classifyError(error, `${target.host}:${target.port}`);
    return run.result({ status: 'DOWN', reason: failure.reason, message: failure.message });
  } finally {
    run.dispose();
  }
}
