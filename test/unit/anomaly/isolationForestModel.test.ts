import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsolationForestModel } from '../../../src/core/anomaly/isolationForestModel';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';

function cluster(count: number, seed: number): number[][] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, () => [random() - 0.5, random() - 0.5]);
}

describe('IsolationForestModel', () => {
  const rows = cluster(300, 1);
  const options = { treeCount: 40, subsampleSize: 64 };

  it('scores a far point above every point of the cluster it was trained on', () => {
    const model = IsolationForestModel.train(rows, options, createSeededRandom(7));
    const outlier = model.score([6, -6]);
    const inliers = rows.map((row) => model.score(row));
    assert.ok(outlier > 0.6, `outlier scored ${outlier}`);
    assert.ok(
      inliers.every((score) => score < outlier),
      'an inlier scored at least as high as the outlier',
    );
    assert.ok(model.score([0, 0]) < 0.55);
  });

  it('is reproducible from its seed and differs with another seed', () => {
    const probe = [0.4, 0.45];
    const a = IsolationForestModel.train(rows, options, createSeededRandom(11)).score(probe);
    const b = IsolationForestModel.train(rows, options, createSeededRandom(11)).score(probe);
    const c = IsolationForestModel.train(rows, options, createSeededRandom(12)).score(probe);
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it('puts Math.random back after training and keeps only compact arrays', () => {
    const original = Math.random;
    const model = IsolationForestModel.train(rows, options, createSeededRandom(5));
    assert.equal(Math.random, original);
    // Each tree holds at most 2 * 64 nodes of 13 bytes, whatever the training window's size.
    assert.ok(model.byteSize <= options.treeCount * (2 * options.subsampleSize * 13 + 4), `forest holds ${model.byteSize} bytes`);
  });

  it('refuses to train on fewer than two rows', () => {
    assert.throws(() => IsolationForestModel.train([[1]], options, createSeededRandom(1)), /at least two rows/);
  });
});
