import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValueScale } from '../../../src/core/anomaly/valueScale';

function decided(values: readonly number[], kneeFraction = 0.1): ValueScale {
  const scale = new ValueScale({ decideAfter: values.length, kneeFraction });
  for (const value of values) scale.observe(value);
  return scale;
}

describe('ValueScale', () => {
  it('is logarithmic well above the knee, so a doubling is the same step at any level', () => {
    const scale = decided([80, 82, 79, 85, 81, 78, 90, 80]);
    assert.ok(scale.decided && !scale.collecting);
    const step = (x: number) => scale.transform(2 * x) - scale.transform(x);
    assert.ok(Math.abs(step(400) - Math.LN2) < 0.01, `a doubling at 400 is ${step(400)}`);
    assert.ok(Math.abs(step(4000) - step(400)) < 0.01);
  });

  it('chooses the knee relative to the data, so the unit does not matter', () => {
    const values = [3.1, 2.9, 3.4, 3.0, 2.8, 3.3, 3.2, 3.0];
    const small = decided(values.map((v) => v / 1000));
    const large = decided(values.map((v) => v * 1000));
    for (const v of values) assert.ok(Math.abs(small.transform(v / 1000) - large.transform(v * 1000)) < 1e-9);
    assert.ok(Math.abs(small.inverse(small.transform(0.0042)) - 0.0042) < 1e-12);
  });

  it("keeps the knee at the data's resolution, so counts of 0, 1, 2 are comparable steps", () => {
    const scale = decided([0, 1, 0, 0, 2, 1, 0, 0, 0, 1, 0, 3]);
    assert.equal(scale.kneeValue, 1);
    const zeroToOne = scale.transform(1) - scale.transform(0);
    const oneToTwo = scale.transform(2) - scale.transform(1);
    assert.ok(zeroToOne < 2 * oneToTwo, `0 -> 1 is ${zeroToOne}, 1 -> 2 is ${oneToTwo}`);
  });

  it('reads a series with negative values linearly over its usual range', () => {
    const scale = decided([-2.5, 1.0, 0.4, -0.3, 2.2, -1.1, 0.0, 1.7]);
    assert.ok(scale.signed);
    const slopes = [-2.5, 0, 2.5].map((x) => scale.slope(x) * scale.kneeValue);
    assert.ok(
      slopes.every((slope) => slope > 0.99),
      `slopes ${slopes.join(', ')}`,
    );
    scale.makeSigned(10);
    assert.equal(scale.kneeValue, 100);
  });

  it('waits for the first non-zero value of a series that starts at 0', () => {
    const scale = decided([0, 0, 0, 0]);
    assert.ok(!scale.decided && !scale.collecting);
    assert.equal(scale.transform(0), 0);
    scale.observe(5);
    assert.ok(scale.decided);
    assert.equal(scale.transform(0), 0);
    assert.ok(scale.transform(5) > 2);
    scale.reset();
    assert.ok(!scale.decided && scale.collecting);
    assert.throws(() => new ValueScale({ decideAfter: 0, kneeFraction: 0.1 }), /decideAfter/);
  });
});
