/** One way a location reads and one CSV quoter, whichever surface shows them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locationLine } from '../../../src/core/api/apiViews';
import { csvCell } from '../../../src/shared/csv';
import { placeName, type GeoLocation } from '../../../src/shared/geoLocation';
import { placeName as mapPlaceName } from '../../../webview-ui/src/logic/mapLayout';

const at = (fields: Partial<GeoLocation>): GeoLocation => ({
  country: null,
  countryCode: null,
  city: null,
  isp: null,
  asn: null,
  lat: null,
  lon: null,
  local: false,
  ...fields,
});

test('a location reads the same in the dashboard, the map, the API and the exports', () => {
  assert.equal(locationLine, placeName);
  assert.equal(mapPlaceName, placeName);
  assert.equal(placeName(at({ local: true, city: 'ignored' })), 'Local network');
  assert.equal(placeName(at({ city: 'Lyon', country: 'France' })), 'Lyon, France');
  assert.equal(placeName(at({ country: 'France', countryCode: 'FR' })), 'France');
  assert.equal(placeName(at({ countryCode: 'FR' })), 'FR');
  assert.equal(placeName(at({ city: 'Lyon' })), 'Lyon', 'a city alone is still a place');
  assert.equal(placeName(at({})), null);
  assert.equal(placeName(null), null);
});

test('one CSV quoter: quotes, doubled quotes, line breaks, formula-like text, numbers as they are', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a, "b"'), '"a, ""b"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
  assert.equal(csvCell('-1 is text here'), "'-1 is text here");
  assert.equal(csvCell(-1.5), '-1.5');
  assert.equal(csvCell(null), '');
});
