import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConcurrencyLimiter, type ReleaseSlot } from '../../../src/core/scheduler/concurrencyLimiter';
import { settle } from './manualClock';

describe('ConcurrencyLimiter', () => {
  it('grants at most the limit at once and hands freed slots to waiters in the order they asked', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const granted: string[] = [];
    const releases = new Map<string, ReleaseSlot>();
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      void limiter.acquire().then((release) => {
        granted.push(name);
        releases.set(name, release);
      });
    }
    await settle();
    assert.deepEqual(granted, ['a', 'b']);
    assert.equal(limiter.running, 2);
    assert.equal(limiter.waiting, 3);
    releases.get('b')!();
    releases.get('b')!();
    await settle();
    assert.deepEqual(granted, ['a', 'b', 'c'], 'releasing twice frees one slot');
    releases.get('a')!();
    releases.get('c')!();
    await settle();
    assert.deepEqual(granted, ['a', 'b', 'c', 'd', 'e']);
    assert.equal(limiter.running, 2);
  });

  it('gives up the place of a waiter whose signal aborts, and lets the next one in', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const first = await limiter.acquire();
    const controller = new AbortController();
    const abandoned = limiter.acquire(controller.signal);
    let nextGranted = false;
    void limiter.acquire().then(() => {
      nextGranted = true;
    });
    controller.abort(new Error('target removed'));
    await assert.rejects(abandoned, /target removed/);
    assert.equal(limiter.waiting, 1);
    first();
    await settle();
    assert.equal(nextGranted, true);
    assert.equal(limiter.running, 1);
  });

  it('refuses an already aborted signal without taking a slot', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await assert.rejects(limiter.acquire(AbortSignal.abort(new Error('gone'))), /gone/);
    assert.equal(limiter.running, 0);
  });

  it('admits more waiters at once when the limit is raised', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await limiter.acquire();
    let admitted = 0;
    for (let i = 0; i < 3; i++) void limiter.acquire().then(() => admitted++);
    await settle();
    assert.equal(admitted, 0);
    limiter.setLimit(3);
    await settle();
    assert.equal(admitted, 2);
    assert.equal(limiter.running, 3);
  });

  it('refuses every waiter and every later request once disposed', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const held = await limiter.acquire();
    const waiting = limiter.acquire();
    limiter.dispose();
    await assert.rejects(waiting, /disposed/);
    await assert.rejects(limiter.acquire(), /disposed/);
    held();
    assert.equal(limiter.running, 0);
  });

  it('rejects a limit that is not a whole number of at least 1', () => {
    assert.throws(() => new ConcurrencyLimiter(0), RangeError);
    assert.throws(() => new ConcurrencyLimiter(1.5), RangeError);
    assert.throws(() => new ConcurrencyLimiter(2).setLimit(-1), RangeError);
  });
});
