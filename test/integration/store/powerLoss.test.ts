/**
 * Power loss, not just a killed process: a file-system layer (support/powerLossFileSystem.ts)
 * records what the disk would hold at every step of a writer's life, and the history is opened
 * from each of those states: with every write not yet synced dropped, and with such writes kept,
 * torn or zero-filled and folder changes applied out of order.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';
import type { StoreProblem } from '../../../src/core/store/historyStore';
import { HistoryFollower } from '../../../src/core/store/historyFollower';
import { SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { makeCheck } from '../../unit/store/storeTestSupport';
import { PowerLossFileSystem } from './support/powerLossFileSystem';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
const ROUNDS = 120;
/** States opened: spread evenly over the writer's life, each strict and in two disordered forms. */
const STATES_CHECKED = 400;
const DISORDERED_FORMS = 2;
const DEADLINE_MS = 90_000;

test('after a power cut at any moment, every check reported durable survives and the history opens', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'nm-power-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));

  // The sequence number of each check, by index: the store reports durability in sequences.
  const sequenceOf: number[] = [];
  let store: SqlJsHistoryStore | undefined;
  let durableChecks = 0;
  const reportedDurable = (): number => {
    const durable = store?.status().durableSequence ?? 0;
    while (durableChecks < sequenceOf.length && sequenceOf[durableChecks]! <= durable) durableChecks++;
    return durableChecks;
  };
  const layer = new PowerLossFileSystem(directory, reportedDurable);
  await layer.install();
  let appended = 0;
  try {
    // No timers: the test decides when to flush and snapshot.
    store = await SqlJsHistoryStore.open({
      directory,
      flushIntervalMs: 3_600_000,
      snapshotIntervalMs: 3_600_000,
      retentionIntervalMs: 3_600_000,
    });
    const random = createSeededRandom(11);
    for (let round = 0; round < ROUNDS; round++) {
      const count = 1 + Math.floor(random() * 5);
      for (let n = 0; n < count; n++) {
        store.append(makeCheck({ startedAt: T0 + appended * 1000, totalMs: appended }));
        sequenceOf.push(store.status().lastSequence);
        appended++;
      }
      const action = random();
      if (action < 0.6) await store.flush();
      else if (action < 0.8) await store.snapshot();
      // Otherwise the checks stay queued into the next round.
    }
    reportedDurable();
    await store.dispose();
    store = undefined;
  } finally {
    layer.uninstall();
  }
  assert.equal(durableChecks, appended, 'the writer reported every check durable by the time it closed');

  const { images } = layer;
  assert.ok(images.length > ROUNDS, `the layer saw ${images.length} steps`);
  const started = Date.now();
  const random = createSeededRandom(5);
  let opened = 0;
  let survivorsBeyondDurable = 0;
  const step = Math.max(1, Math.floor(images.length / STATES_CHECKED));
  for (let index = 0; index < images.length && Date.now() - started < DEADLINE_MS; index += step) {
    // The disk does not change between two steps, but the writer may learn meanwhile that more is
    // durable: judge this state by what it reported up to the next step.
    const required = images[index + 1]?.label ?? appended;
    for (let form = 0; form <= DISORDERED_FORMS; form++) {
      const crashed = mkdtempSync(join(tmpdir(), 'nm-power-state-'));
      try {
        await PowerLossFileSystem.materialize(images[index]!, crashed, form === 0 ? undefined : random);
        const problems: StoreProblem[] = [];
        const reopened = await HistoryFollower.open({
          directory: crashed,
          onProblem: (problem) => problems.push(problem),
        });
        try {
          const { checks } = JSON.parse(reopened.exportRange(['t1'], { from: 0, to: T0 + 1e9 }, 'json')) as {
            checks: { totalMs: number }[];
          };
          const indexes = checks.map((check) => check.totalMs);
          const where = `step ${index} of ${images.length}, ${form === 0 ? 'unsynced writes dropped' : `disordered form ${form}`}`;
          assert.deepEqual(problems, [], `${where}: the history opens without complaint`);
          assert.deepEqual(
            indexes,
            indexes.map((_, i) => i),
            `${where}: the checks kept are a prefix, without holes or duplicates`,
          );
          assert.ok(indexes.length >= required, `${where}: ${indexes.length} checks kept, ${required} were reported durable`);
          if (indexes.length > required) survivorsBeyondDurable++;
        } finally {
          await reopened.dispose();
        }
        opened++;
      } finally {
        rmSync(crashed, { recursive: true, force: true });
      }
    }
  }
  assert.ok(opened >= 3 * Math.min(STATES_CHECKED, images.length) * 0.9, `only ${opened} states were opened within the time bound`);
  t.diagnostic(
    `${images.length} steps recorded; ${opened} power-cut states opened in ${((Date.now() - started) / 1000).toFixed(1)} s; ${survivorsBeyondDurable} kept more than was reported durable`,
  );
});
