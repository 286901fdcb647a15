/**
 * The API reads the history through `HistoryReader`, whether it is given a store held in this
 * process (the CLI) or a reader (the extension): the routes answer the same either way, and a
 * store keeps one reader, so statistics computed in slices still tell a reopened history apart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApiDataSource } from '../../../src/core/api/apiDataSource';
import { ApiRouter } from '../../../src/core/api/apiRoutes';
import { readerOf } from '../../../src/core/store/historyStore';
import { SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { makeTarget } from '../../unit/scheduler/fixtures';
import { makeCheck, tempDirectory } from '../../unit/store/storeTestSupport';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

test('a store given to the API is read through one reader, and a reader with its store status answers as the store does', async (t) => {
  const store = await SqlJsHistoryStore.open({ directory: tempDirectory(t), now: () => NOW });
  t.after(() => store.dispose());
  const other = await SqlJsHistoryStore.open({ directory: tempDirectory(t), now: () => NOW });
  t.after(() => other.dispose());
  const target = makeTarget('a');
  for (let i = 0; i < 5; i++) store.append(makeCheck({ targetId: 'a', target: target.url, startedAt: NOW - 10 * 60_000 + i * 60_000 }));
  await store.flush();

  let current = store;
  const fromStore = createApiDataSource({ store: () => current, getTargets: () => [target], isWriter: () => true, now: () => NOW });
  const first = fromStore.history();
  assert.ok(first);
  assert.equal(fromStore.history(), first, 'the same store gives the same reader');
  assert.equal((await first.latest('a'))?.startedAt, NOW - 6 * 60_000);
  current = other;
  assert.notEqual(fromStore.history(), first, 'a reopened history gives another reader');
  current = store;

  const reader = readerOf(store);
  const fromReader = createApiDataSource({
    store: reader,
    storeStatus: () => store.status(),
    getTargets: () => [target],
    isWriter: () => true,
    now: () => NOW,
  });
  assert.equal(fromReader.history(), reader);
  for (const path of ['/api/health', '/api/targets', '/api/history/a', '/api/report']) {
    const answers = [];
    for (const source of [fromStore, fromReader]) {
      const route = new ApiRouter(source, { statusCacheMs: 0 }).match('GET', path);
      assert.ok(route?.handler, path);
      answers.push(await route.handler({ params: new URLSearchParams(), captures: route.captures }));
    }
    const [byStore, byReader] = answers;
    assert.equal(byStore!.status, 200, `${path}: ${byStore!.body}`);
    // /api/health carries the process id and the store's figures, the same for both.
    assert.deepEqual(byReader, byStore, path);
  }
});
