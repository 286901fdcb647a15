import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cloudMonitoringSplit, labelWindows, loadCloudMonitoringSet, readLabelledCsv } from '../../../bench/anomaly/cloudMonitoringSet';
import { isHeldOut } from '../../../bench/anomaly/evaluation';

const FOLDER = join(__dirname, '../../../bench/anomaly/cloudMonitoring');

/** `true` at the given row indices of a series of `length` rows. */
function labelsAt(length: number, rows: readonly number[]): boolean[] {
  return Array.from({ length }, (_, i) => rows.includes(i));
}

describe('the Cloud Monitoring set', () => {
  it('travels with its licence and provenance, and splits every folder into exactly one half', () => {
    for (const file of ['LICENSE', 'README.md', 'PROVENANCE.md', 'split.json'])
      assert.ok(existsSync(join(FOLDER, file)), `${file} is missing`);
    const split = cloudMonitoringSplit();
    const assigned = [...split.heldOut, ...split.tuning].sort();
    assert.deepEqual(assigned, readdirSync(join(FOLDER, 'data')).sort());
    assert.equal(new Set(assigned).size, assigned.length, 'a folder is in both halves');
  });

  it('reads all 60 series, quoted or not, with gaps as failed checks, and both halves labelled', () => {
    const set = loadCloudMonitoringSet();
    assert.equal(set.length, 60);
    const heldOut = set.filter(isHeldOut);
    const tuning = set.filter((s) => !isHeldOut(s));
    for (const half of [heldOut, tuning]) assert.ok(half.reduce((n, s) => n + s.windows.length, 0) > 100);
    const split = cloudMonitoringSplit();
    for (const series of heldOut)
      assert.ok(split.heldOut.includes(series.name.split('/')[0]!), `${series.name} is not in a held-out folder`);
    assert.ok(set.some((s) => s.values.includes(null)));
    assert.deepEqual(readLabelledCsv('"TimeStamp","Value","Label"\n"2018-04-25T00:00:00Z","6.5","1"\n2018-04-25 00:01:00,,0\n'), {
      times: [Date.UTC(2018, 3, 25), Date.UTC(2018, 3, 25, 0, 1)],
      values: [6.5, null],
      labels: [true, false],
    });
  });

  it('gives each event its share of 10 % of the rows, centred on it', () => {
    // 1,000 rows, two one-row events: 50 rows each, centred on rows 300 and 700.
    assert.deepEqual(labelWindows(labelsAt(1000, [300, 700])), [
      { first: 276, last: 325 },
      { first: 676, last: 725 },
    ]);
    // One event of three rows in 200 rows: 20 rows around its middle row.
    assert.deepEqual(labelWindows(labelsAt(200, [100, 101, 102])), [{ first: 92, last: 111 }]);
  });

  it('never makes a window shorter than its event, merges overlapping windows, and clips at the ends', () => {
    const long = Array.from({ length: 30 }, (_, i) => 10 + i);
    assert.deepEqual(labelWindows(labelsAt(100, long)), [{ first: 10, last: 39 }]);
    // Two events 4 rows apart in 400 rows: 20 rows each, which overlap and merge into one window.
    assert.deepEqual(labelWindows(labelsAt(400, [200, 204])), [{ first: 191, last: 214 }]);
    // Centred on row 0, a 10-row window keeps its rows 0 to 5.
    assert.deepEqual(labelWindows(labelsAt(100, [0])), [{ first: 0, last: 5 }]);
    assert.deepEqual(labelWindows(labelsAt(100, [])), []);
  });
});
