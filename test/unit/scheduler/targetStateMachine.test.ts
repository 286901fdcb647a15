import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckStatus } from '../../../src/shared/targetStatus';
import type { MonitorEvent } from '../../../src/core/scheduler/monitorEvent';
import { type StateMachineSettings, TargetStateMachine } from '../../../src/core/scheduler/targetStateMachine';
import { makeResult, makeTarget, makeTls } from './fixtures';

const MINUTE = 60_000;
const SETTINGS: StateMachineSettings = {
  alertThreshold: 3,
  reminderMs: 0,
  flapThreshold: 5,
  flapWindowMs: 10 * MINUTE,
  certExpiryDays: 14,
};

/** Feeds one check per minute and returns the events of each, as `type` or `type:detail` strings. */
function feed(machine: TargetStateMachine, statuses: CheckStatus[], startAt = 0, stepMs = MINUTE): string[][] {
  return statuses.map((status, index) => machine.apply(makeResult(machine.target, status, startAt + index * stepMs)).map(describeEvent));
}

function describeEvent(event: MonitorEvent): string {
  switch (event.type) {
    case 'stateChanged':
      return `stateChanged:${event.from}>${event.to}`;
    case 'alert':
      return `alert:${event.consecutiveFailures}`;
    case 'recovered':
      return `recovered:${event.downtimeMs}`;
    case 'reminder':
      return `reminder:${event.downForMs}`;
    case 'flapping':
      return `flapping:${event.changes}`;
    case 'flappingSettled':
      return `flappingSettled:${event.status}`;
    case 'certificateExpiring':
      return `certificateExpiring:${event.daysLeft}`;
    default:
      return event.type;
  }
}

describe('TargetStateMachine', () => {
  it('starts UNKNOWN and follows the status of each counted check', () => {
    const machine = new TargetStateMachine(makeTarget('a'), SETTINGS);
    assert.equal(machine.snapshot().status, 'UNKNOWN');
    const events = feed(machine, ['UP', 'UP', 'DEGRADED', 'UP']);
    assert.deepEqual(events, [['stateChanged:UNKNOWN>UP'], [], ['stateChanged:UP>DEGRADED'], ['stateChanged:DEGRADED>UP']]);
    const state = machine.snapshot();
    assert.equal(state.status, 'UP');
    assert.equal(state.statusSince, 3 * MINUTE);
    assert.equal(state.lastResult?.startedAt, 3 * MINUTE);
  });

  it('alerts exactly once per outage, at the threshold, and reports the recovery with the downtime', () => {
    const machine = new TargetStateMachine(makeTarget('a'), SETTINGS);
    const events = feed(machine, ['UP', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'UP', 'UP']);
    assert.deepEqual(events, [
      ['stateChanged:UNKNOWN>UP'],
      ['stateChanged:UP>DOWN'],
      [],
      ['alert:3'],
      [],
      [],
      // Down from the check at minute 1 to the check at minute 6.
      [`stateChanged:DOWN>UP`, `recovered:${5 * MINUTE}`],
      [],
    ]);
    assert.equal(machine.snapshot().consecutiveFailures, 0);
    assert.equal(machine.snapshot().alerting, false);
  });

  it('counts failures and keeps the outage start while down, and resets both on an answer', () => {
    const machine = new TargetStateMachine(makeTarget('a'), SETTINGS);
    feed(machine, ['DOWN', 'DOWN'], 1000);
    assert.equal(machine.snapshot().consecutiveFailures, 2);
    assert.equal(machine.snapshot().downSince, 1000);
    feed(machine, ['UP'], 5 * MINUTE);
    assert.equal(machine.snapshot().consecutiveFailures, 0);
    assert.equal(machine.snapshot().downSince, null);
  });

  it('raises no alert and no recovery for a failure run shorter than the threshold', () => {
    const machine = new TargetStateMachine(makeTarget('a'), SETTINGS);
    const events = feed(machine, ['UP', 'DOWN', 'DOWN', 'UP', 'DOWN', 'DOWN', 'UP']).flat();
    assert.equal(events.filter((event) => event.startsWith('alert') || event.startsWith('recovered')).length, 0);
  });

  it('treats DEGRADED as answering: it ends an outage and does not count as a failure', () => {
    const machine = new TargetStateMachine(makeTarget('a'), SETTINGS);
    const events = feed(machine, ['DOWN', 'DOWN', 'DOWN', 'DEGRADED', 'DEGRADED']);
    assert.deepEqual(events[2], ['alert:3']);
    assert.deepEqual(events[3], ['stateChanged:DOWN>DEGRADED', `recovered:${3 * MINUTE}`]);
    assert.equal(machine.snapshot().consecutiveFailures, 0);
  });

  it('alerts on the first failure when the threshold is 1', () => {
    const machine = new TargetStateMachine(makeTarget('a'), { ...SETTINGS, alertThreshold: 1 });
    assert.deepEqual(feed(machine, ['DOWN'])[0], ['stateChanged:UNKNOWN>DOWN', 'alert:1']);
  });

  it('reminds every reminder period while the outage lasts, and not before the alert', () => {
    const machine = new TargetStateMachine(makeTarget('a'), { ...SETTINGS, reminderMs: 5 * MINUTE });
    const events = feed(machine, Array<CheckStatus>(14).fill('DOWN')).flat();
    // Alert at minute 2; reminders at minutes 7 and 12, each saying how long since the outage began.
    assert.deepEqual(
      events.filter((event) => !event.startsWith('stateChanged')),
      ['alert:3', `reminder:${7 * MINUTE}`, `reminder:${12 * MINUTE}`],
    );
  });

  it('gives one flapping event for a storm of changes and holds back alerts and recoveries during it', () => {
    const machine = new TargetStateMachine(makeTarget('a'), { ...SETTINGS, alertThreshold: 1 });
    const statuses: CheckStatus[] = [];
    for (let i = 0; i < 20; i++) statuses.push(i % 2 === 0 ? 'DOWN' : 'UP');
    const events = feed(machine, statuses).flat();
    assert.equal(events.filter((event) => event.startsWith('flapping:')).length, 1);
    // Before the fifth change it alerts and recovers normally; after it, nothing.
    const flappingAt = events.indexOf('flapping:5');
    assert.ok(flappingAt > 0);
    assert.ok(events.slice(0, flappingAt).includes('alert:1'));
    assert.deepEqual(
      events.slice(flappingAt + 1).filter((event) => /^(alert|recovered|reminder)/.test(event)),
      [],
    );
    assert.equal(events.filter((event) => event.startsWith('stateChanged')).length, 20);
    assert.equal(machine.snapshot().flapping, true);
  });

  it('settles once the status holds for a whole window, then alerts if it settled down', () => {
    const machine = new TargetStateMachine(makeTarget('a'), { ...SETTINGS, flapWindowMs: 4 * MINUTE, flapThreshold: 3 });
    // UP, DOWN, UP, DOWN: three changes within 4 minutes, then down for good.
    const events = feed(machine, ['UP', 'DOWN', 'UP', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'DOWN']);
    assert.deepEqual(events[3], ['stateChanged:UP>DOWN', 'flapping:3']);
    // Down since minute 3, held for 4 minutes at minute 7: settled, and 5 failures ≥ 3 alerts.
    assert.deepEqual(events.slice(4, 7), [[], [], []]);
    assert.deepEqual(events[7], ['flappingSettled:DOWN', 'alert:5']);
    assert.deepEqual(events[8], []);
    assert.equal(machine.snapshot().flapping, false);
  });

  it('reports one recovery when a target alerted, flapped and settled up', () => {
    const machine = new TargetStateMachine(makeTarget('a'), { ...SETTINGS, alertThreshold: 2, flapWindowMs: 5 * MINUTE, flapThreshold: 3 });
    const statuses: CheckStatus[] = ['DOWN', 'DOWN', 'UP', 'DOWN', 'UP', 'UP', 'UP', 'UP', 'UP', 'UP'];
    const events = feed(machine, statuses);
    assert.deepEqual(events[1], ['alert:2']);
    assert.deepEqual(events[2], ['stateChanged:DOWN>UP', `recovered:${2 * MINUTE}`]);
    // Changes at minutes 2, 3, 4: flapping from minute 4; up since then, so it settles at minute 9.
    assert.deepEqual(events[4], ['stateChanged:DOWN>UP', 'flapping:3']);
    assert.deepEqual(events[9], ['flappingSettled:UP']);
  });

  it('holds a recovery back until the flapping settles, with the downtime up to the settled status', () => {
    const machine = new TargetStateMachine(makeTarget('a'), { ...SETTINGS, alertThreshold: 2, flapWindowMs: 5 * MINUTE, flapThreshold: 2 });
    const events = feed(machine, ['UP', 'DOWN', 'DOWN', 'UP', 'DOWN', 'UP', 'UP', 'UP', 'UP', 'UP', 'UP']);
    assert.deepEqual(events[2], ['alert:2']);
    // Changes at minutes 1 and 3 make it flapping; the recovery is held back.
    assert.deepEqual(events[3], ['stateChanged:DOWN>UP', 'flapping:2']);
    assert.deepEqual(
      events
        .slice(4, 10)
        .flat()
        .filter((event) => !event.startsWith('stateChanged')),
      [],
    );
    // Up since minute 5; settles at minute 10; the outage ran from minute 1 to minute 5.
    assert.deepEqual(events[10], ['flappingSettled:UP', `recovered:${4 * MINUTE}`]);
  });

  it('warns about an expiring certificate once per certificate per day, and again for a new one', () => {
    const machine = new TargetStateMachine(makeTarget('a', { url: 'https://127.0.0.1:9/' }), SETTINGS);
    const expiring = makeTls(10, '2026-01-11T00:00:00.000Z');
    const hour = 60 * MINUTE;
    const noticesAt = (at: number, tls = expiring): string[] =>
      machine
        .apply(makeResult(machine.target, 'UP', at, tls))
        .map(describeEvent)
        .filter((event) => event.startsWith('certificate'));
    assert.deepEqual(noticesAt(0), ['certificateExpiring:10']);
    assert.deepEqual(noticesAt(hour), []);
    assert.deepEqual(noticesAt(23 * hour), []);
    assert.deepEqual(noticesAt(24 * hour, makeTls(9, expiring.validTo)), ['certificateExpiring:9']);
    assert.deepEqual(noticesAt(25 * hour, makeTls(3, '2026-01-05T00:00:00.000Z')), ['certificateExpiring:3']);
    assert.deepEqual(noticesAt(26 * hour, makeTls(90, '2026-04-01T00:00:00.000Z')), []);
  });

  it('says nothing about a certificate with more days left than the threshold, or when the warning is off', () => {
    const target = makeTarget('a', { url: 'https://127.0.0.1:9/' });
    const machine = new TargetStateMachine(target, SETTINGS);
    assert.deepEqual(
      machine.apply(makeResult(target, 'UP', 0, makeTls(15, '2026-01-16T00:00:00.000Z'))).filter((e) => e.type === 'certificateExpiring'),
      [],
    );
    const muted = new TargetStateMachine(target, { ...SETTINGS, certExpiryDays: -1 });
    assert.deepEqual(
      muted.apply(makeResult(target, 'DOWN', 0, makeTls(-2, '2025-12-30T00:00:00.000Z'))).filter((e) => e.type === 'certificateExpiring'),
      [],
    );
  });

  it('pauses, ignores checks while paused, and resumes to the status it had, outage included', () => {
    const machine = new TargetStateMachine(makeTarget('a'), SETTINGS);
    feed(machine, ['DOWN', 'DOWN', 'DOWN']);
    assert.equal(machine.snapshot().alerting, true);
    const paused = machine.pause(10 * MINUTE);
    assert.deepEqual(paused && describeEvent(paused), 'stateChanged:DOWN>PAUSED');
    assert.equal(machine.pause(11 * MINUTE), null);
    assert.deepEqual(machine.apply(makeResult(machine.target, 'UP', 12 * MINUTE)), []);
    assert.equal(machine.snapshot().status, 'PAUSED');
    const resumed = machine.resume(20 * MINUTE);
    assert.deepEqual(resumed && describeEvent(resumed), 'stateChanged:PAUSED>DOWN');
    assert.equal(machine.resume(21 * MINUTE), null);
    // The outage carries on: the next answer is a recovery, and pauses do not count as flapping.
    assert.deepEqual(feed(machine, ['UP'], 22 * MINUTE)[0], ['stateChanged:DOWN>UP', `recovered:${22 * MINUTE}`]);
    assert.equal(machine.snapshot().flapping, false);
  });

  it('starts PAUSED when the target is paused in the settings, and resumes to UNKNOWN', () => {
    const machine = new TargetStateMachine(makeTarget('a', { paused: true }), SETTINGS, true);
    assert.equal(machine.snapshot().status, 'PAUSED');
    const resumed = machine.resume(0);
    assert.deepEqual(resumed && describeEvent(resumed), 'stateChanged:PAUSED>UNKNOWN');
  });

  it('during maintenance the status follows the checks but nothing is announced; after it, the outage is', () => {
    const machine = new TargetStateMachine(makeTarget('m'), SETTINGS);
    const apply = (status: CheckStatus, at: number, maintenance: boolean): string[] =>
      machine.apply(makeResult(machine.target, status, at * MINUTE), maintenance).map(describeEvent);
    assert.deepEqual(apply('UP', 0, false), ['stateChanged:UNKNOWN>UP']);
    assert.deepEqual(apply('DOWN', 1, true), ['stateChanged:UP>DOWN']);
    assert.deepEqual(apply('DOWN', 2, true), []);
    assert.deepEqual(apply('DOWN', 3, true), [], 'no alert inside the window');
    assert.equal(machine.snapshot().maintenance, true);
    assert.equal(machine.snapshot().consecutiveFailures, 3);
    assert.deepEqual(apply('DOWN', 4, false), ['alert:4'], 'still down when it ends: alerted at once');
    assert.deepEqual(apply('DOWN', 5, true), [], 'no reminder and no recovery while quiet');
    assert.deepEqual(apply('UP', 6, true), ['stateChanged:DOWN>UP'], 'the recovery waits for the end of the window');
    assert.deepEqual(apply('UP', 7, false), ['recovered:300000']);
    // Down and back within one window: nothing at all.
    assert.deepEqual(
      [apply('DOWN', 8, true), apply('DOWN', 9, true), apply('DOWN', 10, true), apply('UP', 11, true), apply('UP', 12, false)],
      [['stateChanged:UP>DOWN'], [], [], ['stateChanged:DOWN>UP'], []],
    );
  });
});
