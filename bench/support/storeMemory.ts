/**
 * Child process for the store bench: what a window holds for the history, in a process of its own.
 * - `writer`: opens the history in a folder as the checking window does, answers the other
 *   windows' questions (`HistoryQueryServer`), prints its memory, and keeps answering until its
 *   standard input closes.
 * - `reader`: a reading window, which asks the writer (`remoteHistory`) what its views show: the
 *   tree's 24-hour uptime and incidents of every target, a 30-day and a 1-year chart.
 * Each prints on one line what the process holds: V8 heap in use and array buffers. sql.js keeps
 * the database file in JavaScript buffers (its in-memory file system), so the file is counted
 * there; its WebAssembly memory (the SQLite page cache and work space) is not, which is why the
 * resident set is printed beside.
 * Usage: node --import tsx --expose-gc storeMemory.ts <directory> writer|reader <now>
 */
import { HistoryQueryServer, remoteHistory } from '../../src/core/coordination/historyQueryChannel';
import { SqlJsHistoryStore } from '../../src/core/store/sqlJsHistoryStore';

const [directory, role, nowText] = process.argv.slice(2);
if (!directory || (role !== 'writer' && role !== 'reader') || !nowText)
  throw new Error('usage: storeMemory.ts <directory> writer|reader <now>');
const now = Number(nowText);
const DAY = 86_400_000;

const collect = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Array buffers are freed by a sweeper that runs after a collection: what is held is the least of several readings. */
async function heldMemory(): Promise<NodeJS.MemoryUsage> {
  let held: NodeJS.MemoryUsage | undefined;
  for (let round = 0; round < 5; round++) {
    collect();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const usage = process.memoryUsage();
    if (!held || usage.heapUsed + usage.arrayBuffers < held.heapUsed + held.arrayBuffers) held = usage;
  }
  return held!;
}

function print(usage: NodeJS.MemoryUsage): void {
  process.stdout.write(`${JSON.stringify({ heapUsed: usage.heapUsed, arrayBuffers: usage.arrayBuffers, rss: usage.rss })}\n`);
}

async function writer(): Promise<void> {
  const store = await SqlJsHistoryStore.open({ directory: directory!, now: () => now, snapshotIntervalMs: 3_600_000 });
  const server = await HistoryQueryServer.start(directory!, store);
  // A query as the dashboard makes, so what it needs is loaded.
  store.series('t1', { from: now - 30 * DAY, to: now, maxPoints: 300 });
  print(await heldMemory());
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('close', resolve));
  await server.dispose();
  await store.dispose();
}

async function reader(): Promise<void> {
  const history = remoteHistory(directory!);
  const targets = await history.targets();
  for (const target of targets) {
    await history.uptime(target.id, now - DAY, now);
    await history.incidents(target.id, { from: now - 7 * DAY, to: now });
  }
  await history.series('t1', { from: now - 30 * DAY, to: now, maxPoints: 300 });
  await history.series('t1', { from: now - 365 * DAY, to: now, maxPoints: 300 });
  print(await heldMemory());
  history.dispose();
}

void (role === 'writer' ? writer() : reader());
