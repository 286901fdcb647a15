import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeWindow, isQuiet, parseMaintenanceWindows, parseSnoozeUntil } from '../../../src/core/targets/maintenance';
import { resolveTarget } from '../../../src/core/targets/target';

/** Local times: 6 December 2026 is a Sunday. */
const local = (day: number, hour: number, minute = 0): number => new Date(2026, 11, day, hour, minute).getTime();

test('weekly windows in local time, one running past midnight, and a snooze', () => {
  const windows = parseMaintenanceWindows([
    { days: ['sun'], from: '02:00', to: '04:00' },
    { days: ['Friday'], from: '23:30', to: '01:00' },
  ]);
  assert.ok(windows.ok);
  const quiet = (at: number): boolean => isQuiet({ snoozeUntil: null, maintenance: windows.value }, at);
  assert.equal(quiet(local(6, 2, 0)), true, 'Sunday 02:00 is inside');
  assert.equal(quiet(local(6, 3, 59)), true);
  assert.equal(quiet(local(6, 4, 0)), false, 'the end is outside');
  assert.equal(quiet(local(7, 2, 30)), false, 'Monday is not a window day');
  assert.equal(quiet(local(4, 23, 45)), true, 'Friday evening');
  assert.equal(quiet(local(5, 0, 30)), true, 'and into Saturday morning');
  assert.equal(quiet(local(5, 1, 0)), false);
  assert.equal(quiet(local(5, 23, 45)), false, 'Saturday evening is not');
  assert.equal(describeWindow(windows.value[1]!), 'Fri 23:30-01:00');

  const snoozed = { snoozeUntil: local(7, 15), maintenance: [] };
  assert.equal(isQuiet(snoozed, local(7, 14, 59)), true);
  assert.equal(isQuiet(snoozed, local(7, 15)), false, 'the snooze ends on time');
});

test('entries with a broken window or snooze are refused with a message that says what to write', () => {
  assert.match(
    String(!parseMaintenanceWindows({ from: '02:00' }).ok && (parseMaintenanceWindows({ from: '02:00' }) as { error: string }).error),
    /must be a list/,
  );
  const badTime = resolveTarget({ url: 'https://example.test/', maintenance: [{ days: ['sun'], from: '2am', to: '04:00' }] });
  assert.equal(badTime.ok, false);
  assert.match(badTime.ok ? '' : badTime.error, /24-hour times such as "02:00"/);
  const badDay = resolveTarget({ url: 'https://example.test/', maintenance: [{ days: ['someday'], from: '02:00', to: '04:00' }] });
  assert.match(badDay.ok ? '' : badDay.error, /days must list days/);
  assert.equal(parseSnoozeUntil('tomorrow').ok, false);
  const target = resolveTarget({
    url: 'https://example.test/',
    snoozeUntil: '2026-12-07T15:00:00Z',
    maintenance: [{ from: '02:00', to: '03:00' }],
  });
  assert.ok(target.ok);
  assert.equal(target.value.quiet.snoozeUntil, Date.UTC(2026, 11, 7, 15));
  assert.equal(target.value.quiet.maintenance[0]!.days.length, 7, 'no days means every day');
});
