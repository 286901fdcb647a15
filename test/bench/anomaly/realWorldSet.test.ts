import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRealWorldSet, readSeriesCsv, realWorldManifest } from '../../../bench/anomaly/realWorldSet';
import { isHeldOut } from '../../../bench/anomaly/evaluation';

const FOLDER = join(__dirname, '../../../bench/anomaly/realWorld');

describe('the real-world labelled set', () => {
  const manifest = realWorldManifest();
  const set = loadRealWorldSet();

  it('has a data file, a source, a licence and a reason for every label of every series', () => {
    assert.ok(manifest.length >= 20, `${manifest.length} series`);
    for (const entry of manifest) {
      assert.ok(existsSync(join(FOLDER, 'data', `${entry.name}.csv`)), `${entry.name} has no data file`);
      assert.ok(entry.source.length > 0 && entry.licence.length > 0, `${entry.name} lacks its source or licence`);
      for (const event of entry.events) assert.ok(event.reason.length > 10, `${entry.name}: the label of ${event.start} gives no reason`);
    }
    const provenance = readFileSync(join(FOLDER, 'PROVENANCE.md'), 'utf8');
    for (const entry of manifest) assert.ok(provenance.includes(entry.name), `PROVENANCE.md does not name ${entry.name}`);
  });

  it('keeps its halves apart and both of them labelled', () => {
    const heldOut = set.filter(isHeldOut);
    const tuning = set.filter((s) => !isHeldOut(s));
    assert.deepEqual(
      heldOut.map((s) => s.name),
      manifest.filter((e) => e.split === 'heldOut').map((e) => e.name),
    );
    for (const half of [tuning, heldOut]) assert.ok(half.filter((s) => s.windows.length > 0).length >= 10);
  });

  it('reads times in order, gaps as failed checks, and opens each window at its event', () => {
    for (const series of set) {
      assert.ok(
        series.times.every((t, i) => Number.isFinite(t) && (i === 0 || t > series.times[i - 1]!)),
        `${series.name}: times out of order`,
      );
      for (const window of series.windows) {
        assert.ok(window.end > window.start, `${series.name}: an empty window`);
        assert.ok(
          series.times.filter((t) => t >= window.start && t <= window.end).length >= 2,
          `${series.name}: a window holding fewer than two checks`,
        );
      }
    }
    const ozone = set.find((s) => s.name === 'new-york-ozone-daily')!;
    assert.ok(
      ozone.values.some((v) => v === null),
      'the ozone series has gaps in its source',
    );
    assert.deepEqual(readSeriesCsv('timestamp,value\n2000-01-01T00:00:00Z,5\n2000-01-02T00:00:00Z,\n'), {
      times: [Date.UTC(2000, 0, 1), Date.UTC(2000, 0, 2)],
      values: [5, null],
    });
  });

  it('gives a sudden event a tenth of the series over its number of events', () => {
    const nile = set.find((s) => s.name === 'nile-annual-flow')!;
    const [window] = nile.windows;
    // 100 annual values, one event in 1898: the window runs ten years from it.
    assert.equal(new Date(window!.start).getUTCFullYear(), 1898);
    assert.equal(new Date(window!.end).getUTCFullYear(), 1908);
  });
});
