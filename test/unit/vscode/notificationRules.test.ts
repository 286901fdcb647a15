import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { NotificationBatcher, RateLimiter, StateNotificationLedger } from '../../../src/vscode/notifications/notificationRules';

describe('NotificationBatcher', () => {
  test('items that arrive within the window are delivered together, once', async () => {
    const delivered: string[][] = [];
    const batcher = new NotificationBatcher<string>(50, (items) => delivered.push(items));
    batcher.add('a');
    batcher.add('b');
    batcher.add('c');
    assert.equal(batcher.pendingCount, 3);
    for (let i = 0; i < 100 && delivered.length === 0; i++) await sleep(10);
    assert.deepEqual(delivered, [['a', 'b', 'c']]);
    batcher.add('d');
    batcher.flush();
    assert.deepEqual(delivered, [['a', 'b', 'c'], ['d']]);
    batcher.dispose();
  });

  test('nothing is delivered after dispose', async () => {
    const delivered: number[][] = [];
    const batcher = new NotificationBatcher<number>(10, (items) => delivered.push(items));
    batcher.add(1);
    batcher.dispose();
    batcher.add(2);
    await sleep(40);
    assert.deepEqual(delivered, []);
  });
});

describe('StateNotificationLedger', () => {
  test('down is news once per outage, and up only after a down', () => {
    const ledger = new StateNotificationLedger();
    assert.equal(ledger.isNews('t', 'up'), false, 'no recovery without an outage');
    assert.equal(ledger.isNews('t', 'down'), true);
    assert.equal(ledger.isNews('t', 'down'), false, 'the same outage is not announced twice');
    assert.equal(ledger.isNews('t', 'up'), true);
    assert.equal(ledger.isNews('t', 'up'), false);
    assert.equal(ledger.isNews('other', 'down'), true, 'targets are independent');
    ledger.forget('t');
    assert.equal(ledger.isNews('t', 'up'), false);
  });
});

describe('RateLimiter', () => {
  test('one event per key per interval, and a cap over all keys', () => {
    const limiter = new RateLimiter(1_000, 2);
    assert.equal(limiter.allow('a', 0), true);
    assert.equal(limiter.allow('a', 500), false);
    assert.equal(limiter.allow('b', 600), true);
    assert.equal(limiter.allow('c', 700), false, 'the cap of 2 per interval is reached');
    assert.equal(limiter.allow('a', 1_000), true, 'a new interval for a');
    assert.equal(limiter.allow('c', 1_700), true);
  });
});
