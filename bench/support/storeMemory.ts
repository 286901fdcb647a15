/**
 * Child process for the store bench: opens the history in a folder as the checking window
 * (`writer`) or as a reading window (`reader`), collects garbage, and prints on one line what the
 * process holds: V8 heap in use and array buffers (sql.js's WebAssembly memory is one).
 * Usage: node --import tsx --expose-gc storeMemory.ts <directory> writer|reader <now>
 */
import { SqlJsHistoryStore } from '../../src/core/store/sqlJsHistoryStore';

const [directory, role, now] = process.argv.slice(2);
if (!directory || (role !== 'writer' && role !== 'reader') || !now)
  throw new Error('usage: storeMemory.ts <directory> writer|reader <now>');

const collect = (): void => (globalThis as { gc?: () => void }).gc?.();

void (async () => {
  const store = await SqlJsHistoryStore.open({
    directory,
    readOnly: role === 'reader',
    now: () => Number(now),
    snapshotIntervalMs: 3_600_000,
  });
  // A query as the dashboard makes, so what it needs is loaded.
  store.series('t1', { from: Number(now) - 30 * 86_400_000, to: Number(now), maxPoints: 300 });
  collect();
  await new Promise((resolve) => setTimeout(resolve, 100));
  collect();
  const usage = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ heapUsed: usage.heapUsed, arrayBuffers: usage.arrayBuffers, rss: usage.rss })}\n`);
  await store.dispose();
})();
