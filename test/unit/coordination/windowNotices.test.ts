import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prober } from '../../../src/core/probes/prober';
import type { AlertEvent } from '../../../src/core/scheduler/monitorEvent';
import { resolveTarget } from '../../../src/core/targets/target';
import { eventFromNotice, noticeOf } from '../../../src/core/coordination/windowNotices';

test('a notice carries the target id, status and message only, never a header or body; the reader gets its own target back', async () => {
  const built = resolveTarget({
    url: 'http://127.0.0.1:9/',
    headers: { Authorization: 'Bearer n0tice-canary' },
    body: 'body-canary',
    method: 'POST',
    timeout: 500,
  });
  assert.ok(built.ok);
  const target = built.value;
  const result = await new Prober().check(target);
  const alert: AlertEvent = { type: 'alert', target, result, consecutiveFailures: 3 };
  const written = JSON.stringify(noticeOf(alert));
  assert.ok(!written.includes('canary'), written);
  const read = eventFromNotice(JSON.parse(written), target) as AlertEvent;
  assert.equal(read.target, target);
  assert.equal(read.result.status, result.status);
  assert.equal(read.result.message, result.message);
  assert.equal(read.consecutiveFailures, 3);
});
