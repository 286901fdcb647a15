import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COUNTRY_CENTROIDS } from '../../../src/core/geo/countryCentroids';
import { ExpiringLruCache } from '../../../src/core/geo/expiringLruCache';
import { parseIpWhoIsResponse } from '../../../src/core/geo/onlineGeoLookup';
import { TokenBucket } from '../../../src/core/geo/tokenBucket';
import { computeCountryCentroids } from '../../../scripts/generateCountryCentroids';

test('the LRU cache evicts the least recently used entry and forgets expired ones', () => {
  let now = 0;
  const cache = new ExpiringLruCache<string, number>(2, () => now);
  cache.set('a', 1, 1000);
  cache.set('b', 2, 1000);
  assert.equal(cache.get('a'), 1); // a is now more recent than b
  cache.set('c', 3, 1000);
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a'), 1);
  assert.equal(cache.get('c'), 3);
  now = 1000;
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.size, 1);
});

test('the token bucket allows a burst, then refills at its rate and never beyond capacity', () => {
  let now = 0;
  const bucket = new TokenBucket(3, 60, () => now); // one token a second
  assert.deepEqual([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()], [true, true, true, false]);
  now = 999;
  assert.equal(bucket.tryTake(), false);
  now = 1000;
  assert.equal(bucket.tryTake(), true);
  now = 3_600_000;
  assert.deepEqual([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()], [true, true, true, false]);
  now = 0; // a clock stepping back must not add or remove tokens
  assert.equal(bucket.tryTake(), false);
});

test('the provider answer is parsed defensively', () => {
  assert.equal(parseIpWhoIsResponse(null), null);
  assert.equal(parseIpWhoIsResponse('US'), null);
  assert.equal(parseIpWhoIsResponse({ success: false, message: 'You have reached your monthly limit' }), null);
  assert.equal(parseIpWhoIsResponse({ success: true }), null);
  assert.deepEqual(
    parseIpWhoIsResponse({
      success: true,
      country: '  France ',
      country_code: 'fr',
      city: '',
      latitude: '48.85',
      longitude: 999,
      connection: { asn: 'AS3215', org: 'Orange' },
    }),
    { country: 'France', countryCode: 'FR', city: null, isp: 'Orange', asn: 3215, lat: 48.85, lon: null },
  );
  assert.deepEqual(
    parseIpWhoIsResponse({ success: true, country_code: 'USA', latitude: 0, longitude: 0, connection: { asn: -1, isp: 42 } }),
    null,
  );
});

test('the centroid table matches the shapes it was generated from and covers the server hubs', () => {
  const computed = computeCountryCentroids();
  assert.deepEqual(Object.fromEntries(computed), Object.fromEntries(Object.entries(COUNTRY_CENTROIDS)));
  for (const code of ['US', 'DE', 'FR', 'GB', 'NL', 'IE', 'SG', 'HK', 'JP', 'AU', 'BR', 'IN', 'ZA', 'CA', 'LU', 'XK']) {
    assert.ok(COUNTRY_CENTROIDS[code], code);
  }
  const [lat, lon] = COUNTRY_CENTROIDS['FR']!;
  assert.ok(lat > 43 && lat < 49 && lon > 0 && lon < 5, 'metropolitan France, not pulled towards its overseas departments');
});
