/** The engine built by `createMonitorEngine` drives its own scheduler: callers never see it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMonitorEngine, type RecordedCheck } from '../../../src/core/monitorEngine';
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
