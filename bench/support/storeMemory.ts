/**
 * Child process for the store bench: opens the history in a folder as the checking window
 * (`writer`) or as a reading window (`reader`), collects garbage, and prints on one line what the
 * process holds: V8 heap in use and array buffers. sql.js keeps the database file in JavaScript
 * buffers (its in-memory file system), so the file is counted there; its WebAssembly memory (the
 * SQLite page cache and work space) is not, which is why the resident set is printed beside.
 * Usage: node --import tsx --expose-gc storeMemory.ts <directory> writer|reader <now>
 */
import { HistoryFollower } from '../../src/core/store/historyFollower';
import { SqlJsHistoryStore } from '../../src/core/store/sqlJsHistoryStore';

const [directory, role, now] = process.argv.slice(2);
if (!directory || (role !== 'writer' && role !== 'reader') || !now)
  throw new Error('usage: storeMemory.ts <directory> writer|reader <now>');

const collect = (): void => (globalThis as { gc?: () => void }).gc?.();

void (async () => {
  const store =
    role === 'reader'
      ? await HistoryFollower.open({ directory, now: () => Number(now) })
      : await SqlJsHistoryStore.open({ directory, now: () => Number(now), snapshotIntervalMs: 3_600_000 });
  // A query as the dashboard makes, so what it needs is loaded.
  store.series('t1', { from: Number(now) - 30 * 86_400_000, to: Number(now), maxPoints: 300 });
  // Array buffers are freed by a sweeper that runs after a collection, so one reading can still
  // count a buffer already let go (the gunzipped snapshot): what is held is the least of several.
  let held: NodeJS.MemoryUsage | undefined;
  for (let round = 0; round < 5; round++) {
    collect();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const usage = process.memoryUsage();
    if (!held || usage.heapUsed + usage.arrayBuffers < held.heapUsed + held.arrayBuffers) held = usage;
  }
  process.stdout.write(`${JSON.stringify({ heapUsed: held!.heapUsed, arrayBuffers: held!.arrayBuffers, rss: held!.rss })}\n`);
  await store.dispose();
})();
