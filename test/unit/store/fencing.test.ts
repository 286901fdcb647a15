/**
 * Replay with lease epochs, from journal files made by hand: a writer of a lower epoch that kept
 * appending after a newer writer took over never has those lines replayed, whether the history is
 * opened afterwards or followed by a reading window while it happens.
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeEntry, fenceLimit, parseSegmentName, segmentName } from '../../../src/core/store/journal';
import { HistoryFollower } from '../../../src/core/store/historyFollower';
import type { HistoryQueries } from '../../../src/core/store/historyStore';
import { SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { LEASE_FILE, WriterLease } from '../../../src/core/coordination/writerLease';
import { makeCheck, tempDirectory } from './storeTestSupport';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);

/** A segment of checks of `targetId` numbered `from`..`to`, as the writer of `epoch` writes it. */
function writeSegment(directory: string, name: string, targetId: string, from: number, to: number): void {
  let text = '';
  for (let q = from; q <= to; q++) text += encodeEntry({ q, c: makeCheck({ targetId, startedAt: T0 + q * 1000 }) });
  writeFileSync(join(directory, name), text);
}

/** `old@03`: sorts by target, then sequence. */
function label(targetId: string, q: number): string {
  return `${targetId}@${String(q).padStart(2, '0')}`;
}

function checksOf(store: HistoryQueries): string[] {
  const { checks } = JSON.parse(store.exportRange(undefined, { from: 0, to: T0 + 1e9 }, 'json')) as {
    checks: { targetId: string; startedAt: number }[];
  };
  return checks.map((check) => label(check.targetId, (check.startedAt - T0) / 1000)).sort();
}

const expected = (targetId: string, from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => label(targetId, from + i));

test('segment names carry the epoch, and names from before epochs read as epoch 0', () => {
  assert.deepEqual(parseSegmentName('/d', segmentName(42, 3, 1)), {
    name: 'journal-0000000000000042-e3-1.log',
    path: join('/d', 'journal-0000000000000042-e3-1.log'),
    firstSequence: 42,
    epoch: 3,
  });
  assert.equal(parseSegmentName('/d', 'journal-0000000000000042-0.log')?.epoch, 0);
  assert.equal(parseSegmentName('/d', 'history.db.gz'), undefined);
});

test('a lower epoch is replayed up to where a higher one took over: its first segment or its snapshot', () => {
  const segments = [
    parseSegmentName('/d', segmentName(1, 1, 0))!,
    parseSegmentName('/d', segmentName(6, 2, 0))!,
    parseSegmentName('/d', segmentName(9, 2, 0))!,
  ];
  assert.equal(fenceLimit(1, segments, undefined), 5);
  assert.equal(fenceLimit(2, segments, undefined), Number.POSITIVE_INFINITY);
  assert.equal(fenceLimit(1, segments, { epoch: 3, sequence: 4 }), 4, 'a newer snapshot fences too');
  assert.equal(fenceLimit(2, segments, { epoch: 2, sequence: 7 }), Number.POSITIVE_INFINITY, 'its own snapshot does not');
});

test('lines a replaced writer appended after the takeover are left out when the history opens', async (t) => {
  const directory = tempDirectory(t);
  // The old writer (a name from before epochs) wrote 1..10; the new one, epoch 2, read 1..5
  // when it took over and numbered its own checks from 6.
  writeSegment(directory, 'journal-0000000000000001-0.log', 'old', 1, 10);
  writeSegment(directory, segmentName(6, 2, 0), 'new', 6, 8);
  const store = await HistoryFollower.open({ directory });
  t.after(() => store.dispose());
  assert.deepEqual(checksOf(store), [...expected('new', 6, 8), ...expected('old', 1, 5)]);
});

test('a reading window that already showed the late lines reads the history again when the new writer appears', async (t) => {
  const directory = tempDirectory(t);
  writeSegment(directory, segmentName(1, 1, 0), 'old', 1, 10);
  const reader = await HistoryFollower.open({ directory, refreshIntervalMs: 3_600_000 });
  t.after(() => reader.dispose());
  assert.deepEqual(checksOf(reader), expected('old', 1, 10));

  writeSegment(directory, segmentName(6, 2, 0), 'new', 6, 8);
  await reader.refresh();
  assert.deepEqual(checksOf(reader), [...expected('new', 6, 8), ...expected('old', 1, 5)]);
});

test('a writer without a lease goes on under the highest epoch on disk', async (t) => {
  const directory = tempDirectory(t);
  writeSegment(directory, segmentName(1, 1, 0), 'old', 1, 10);
  writeSegment(directory, segmentName(6, 2, 0), 'new', 6, 8);
  const writer = await SqlJsHistoryStore.open({ directory });
  writer.append(makeCheck({ targetId: 'new', startedAt: T0 + 9000 }));
  await writer.flush();
  assert.ok(
    readdirSync(directory).includes(segmentName(9, 2, 0)),
    `the next line goes to an epoch 2 segment: ${readdirSync(directory).join(', ')}`,
  );
  await writer.dispose();

  const reopened = await HistoryFollower.open({ directory });
  t.after(() => reopened.dispose());
  assert.deepEqual(checksOf(reopened), [...expected('new', 6, 9), ...expected('old', 1, 5)]);
});

test('with a lease, files carry its epoch; a lease file deleted by hand does not bring back an epoch already used', async (t) => {
  const directory = tempDirectory(t);
  const first = await WriterLease.start({ directory, heartbeatMs: 200 });
  assert.ok(first.isWriter);
  const store = await SqlJsHistoryStore.open({ directory, lease: first });
  store.append(makeCheck({ targetId: 'a', startedAt: T0 + 1000 }));
  await store.dispose();
  await first.dispose();
  assert.deepEqual(
    readdirSync(directory).filter((name) => name.startsWith('history')),
    ['history.e1.db.gz'],
  );

  rmSync(join(directory, LEASE_FILE));
  const second = await WriterLease.start({ directory, heartbeatMs: 200 });
  t.after(() => second.dispose());
  assert.equal(second.epoch, 1, 'with its file gone, the lease starts again from 1');
  const reopened = await SqlJsHistoryStore.open({ directory, lease: second });
  assert.equal(second.epoch, 2, 'the store raised it past the epoch its files carry');
  reopened.append(makeCheck({ targetId: 'a', startedAt: T0 + 2000 }));
  await reopened.dispose();
  assert.deepEqual(
    readdirSync(directory).filter((name) => name.startsWith('history')),
    ['history.e2.db.gz'],
    'the outranked snapshot is gone',
  );

  const reader = await HistoryFollower.open({ directory });
  t.after(() => reader.dispose());
  assert.deepEqual(checksOf(reader), [label('a', 1), label('a', 2)]);
});
