/** The engine's own event emitter (src/core/events.ts), which the core uses where the extension would use vscode.EventEmitter. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter } from '../../src/core/events';

describe('Emitter', () => {
  it('delivers each value to every listener in subscription order', () => {
    const emitter = new Emitter<number>();
    const heard: string[] = [];
    emitter.event((value) => heard.push(`a${value}`));
    emitter.event((value) => heard.push(`b${value}`));
    emitter.fire(1);
    emitter.fire(2);
    assert.deepEqual(heard, ['a1', 'b1', 'a2', 'b2']);
  });

  it('stops delivering to a listener once its subscription is disposed, and only that one', () => {
    const emitter = new Emitter<string>();
    const first: string[] = [];
    const second: string[] = [];
    const subscription = emitter.event((value) => first.push(value));
    emitter.event((value) => second.push(value));
    emitter.fire('x');
    subscription.dispose();
    subscription.dispose();
    emitter.fire('y');
    assert.deepEqual(first, ['x']);
    assert.deepEqual(second, ['x', 'y']);
    assert.equal(emitter.listenerCount, 1);
  });

  it('keeps delivering to the other listeners when one throws, and reports the error', () => {
    const errors: unknown[] = [];
    const emitter = new Emitter<number>({ onListenerError: (error) => errors.push(error) });
    const heard: number[] = [];
    emitter.event(() => {
      throw new Error('subscriber bug');
    });
    emitter.event((value) => heard.push(value));
    emitter.fire(7);
    assert.deepEqual(heard, [7]);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /subscriber bug/);
  });

  it('does not call a listener added while firing until the next event', () => {
    const emitter = new Emitter<number>();
    const heard: string[] = [];
    emitter.event((value) => {
      heard.push(`outer${value}`);
      if (value === 1) emitter.event((inner) => heard.push(`inner${inner}`));
    });
    emitter.fire(1);
    emitter.fire(2);
    assert.deepEqual(heard, ['outer1', 'outer2', 'inner2']);
  });

  it('drops every listener on dispose and ignores later fires and subscriptions', () => {
    const emitter = new Emitter<number>();
    const heard: number[] = [];
    emitter.event((value) => heard.push(value));
    emitter.dispose();
    emitter.fire(1);
    emitter.event((value) => heard.push(value * 10));
    emitter.fire(2);
    assert.deepEqual(heard, []);
    assert.equal(emitter.listenerCount, 0);
  });
});
