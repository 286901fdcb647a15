import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeasonalProfile, type SeasonalProfileOptions } from '../../../src/core/anomaly/seasonalProfile';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';

const START = Date.UTC(2026, 0, 5);
const HOUR = 3_600_000;
const STEP = 5 * 60_000;
const OPTIONS: SeasonalProfileOptions = { buckets: 96, minDays: 2, memoryDays: 3, levelDays: 1, clip: 3, requiredGain: 0.8 };

function gaussianSource(seed: number): () => number {
  const random = createSeededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
}

/** Feeds `days` of 5-minute values; `shape(hour)` is the rhythm, plus noise of `noise`. */
function feed(profile: SeasonalProfile, days: number, shape: (hour: number) => number, noise: number, seed: number): boolean[] {
  const gaussian = gaussianSource(seed);
  const active: boolean[] = [];
  for (let i = 0; i < (days * 24 * HOUR) / STEP; i++) {
    const time = START + i * STEP;
    profile.observe(time, 3 + shape(((time % (24 * HOUR)) / HOUR)) + noise * gaussian(), noise);
    active.push(profile.active);
  }
  return active;
}

describe('SeasonalProfile', () => {
  it('learns a daily rhythm and switches on once it has seen two days', () => {
    const profile = new SeasonalProfile(OPTIONS);
    const wave = (hour: number) => 0.8 * Math.cos((2 * Math.PI * (hour - 20)) / 24);
    const active = feed(profile, 6, wave, 0.05, 1);
    const day = (24 * HOUR) / STEP;
    assert.ok(!active.slice(0, 2 * day - 1).some(Boolean), 'applied before two days were seen');
    assert.ok(active.at(-1), 'a clear rhythm was not applied');
    // The learned offsets match the rhythm within a tenth.
    for (const hour of [2, 8, 14, 20]) {
      const offset = profile.offsetAt(START + 6 * 24 * HOUR + hour * HOUR);
      assert.ok(Math.abs(offset - wave(hour)) < 0.1, `at ${hour}:00 the profile says ${offset}, the rhythm ${wave(hour)}`);
    }
    assert.ok(profile.daysSeen > 5.9);
  });

  it('stays off for a series without a rhythm, and for a constant one', () => {
    const noise = new SeasonalProfile(OPTIONS);
    assert.ok(!feed(noise, 6, () => 0, 0.2, 2).some(Boolean), 'applied a rhythm to plain noise');
    const flat = new SeasonalProfile(OPTIONS);
    assert.ok(!feed(flat, 6, () => 0, 0, 3).some(Boolean), 'applied a rhythm to a constant');
  });

  it('is barely moved by an outage-sized outlier', () => {
    const profile = new SeasonalProfile(OPTIONS);
    const wave = (hour: number) => 0.5 * Math.sin((2 * Math.PI * hour) / 24);
    feed(profile, 4, wave, 0.05, 4);
    const at = START + 4 * 24 * HOUR + 3 * HOUR;
    const before = profile.offsetAt(at);
    profile.observe(at, 3 + 40, 0.05);
    assert.ok(Math.abs(profile.offsetAt(at) - before) < 0.1, `one outlier moved the profile from ${before} to ${profile.offsetAt(at)}`);
  });

  it('takes repeated and backward times, forgets on reset, and refuses slots that do not divide a day', () => {
    const profile = new SeasonalProfile(OPTIONS);
    for (const time of [START, START, START - HOUR, START + HOUR, Number.NaN]) profile.observe(time, 1, 0.1);
    assert.ok(Number.isFinite(profile.offsetAt(START)));
    profile.reset();
    assert.equal(profile.offsetAt(START), 0);
    assert.equal(profile.daysSeen, 0);
    assert.throws(() => new SeasonalProfile({ ...OPTIONS, buckets: 7 }), /slots/);
  });
});
