/** The engine built by `createMonitorEngine` drives its own scheduler: callers never see it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMonitorEngine, type RecordedCheck } from '../../../src/core/monitorEngine';
import { phasedChecks } from '../anomaly/phasedChecks';
import { makeResult, makeTarget } from '../scheduler/fixtures';
import { ManualClock } from '../scheduler/manualClock';

test('checkNow, state and updateSettings reach the engine’s own scheduler, and dispose stops it', async () => {
  const clock = new ManualClock();
  let checks = 0;
  const engine = createMonitorEngine({
    runCheck: async (target) => {
      checks++;
      return makeResult(target, 'UP', clock.now());
    },
    scheduler: { clock, retries: 0 },
  });
  const recorded: RecordedCheck[] = [];
  engine.onDidRecordCheck((check) => recorded.push(check));
  const target = makeTarget('a');
  engine.setTargets([target]);
  engine.updateSettings({ alertThreshold: 5 });

  const result = await engine.checkNow('a');
  assert.equal(result?.status, 'UP');
  await engine.settled();
  assert.equal(recorded.length, 1);
  assert.equal(recorded[0]?.target.id, 'a');
  assert.equal(engine.state('a')?.status, 'UP');
  assert.equal(engine.state('missing'), undefined);
  assert.equal(await engine.checkNow('missing'), undefined);

  engine.dispose();
  assert.equal(await engine.checkNow('a'), undefined);
  assert.equal(checks, 1);
});

test('an anomalous check whose phases made it unusual carries the phase, for the alert to name it', async () => {
  const clock = new ManualClock();
  const checks = phasedChecks(1420, 1400);
  let next = 0;
  const engine = createMonitorEngine({
    runCheck: async (target) => {
      const check = checks[next++]!;
      return { ...makeResult(target, 'UP', clock.now()), totalMs: check.value, phases: check.phases };
    },
    scheduler: { clock, retries: 0 },
  });
  const recorded: RecordedCheck[] = [];
  engine.onDidRecordCheck((check) => recorded.push(check));
  engine.setTargets([makeTarget('a')]);
  for (let i = 0; i < checks.length; i++) await engine.checkNow('a');
  await engine.settled();
  engine.dispose();
  assert.equal(recorded.length, checks.length);
  const named = recorded.filter((check) => check.record.unusualPhase);
  assert.ok(
    named.every((check) => check.anomalous),
    'a phase was named for a check that was not anomalous',
  );
  const slowdown = named.filter((check) => recorded.indexOf(check) >= 1400);
  assert.ok(slowdown.length >= 1, 'the TLS slowdown was not named');
  assert.equal(slowdown[0]!.record.unusualPhase!.phase, 'tls');
  assert.ok(slowdown[0]!.record.unusualPhase!.factor > 1.5, `TLS took ${slowdown[0]!.record.unusualPhase!.factor} times its usual share`);
});
