import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TargetUrlIndex, targetUrlKey, urlAt } from '../../../src/core/targets/urlsInText';

test('the address under the cursor, as Add Target would save it', () => {
  const line = 'See [the API](HTTPS://API.example.com:443/health#top), and tcp://db.internal:5432. Done.';
  const markdownLink = urlAt(line, line.indexOf('API.example'));
  assert.deepEqual(markdownLink, {
    start: line.indexOf('HTTPS'),
    end: line.indexOf(')'),
    text: 'HTTPS://API.example.com:443/health#top',
    key: 'https://api.example.com/health',
  });
  // The full stop after the address ends the sentence, not the address.
  assert.equal(urlAt(line, line.indexOf('5432'))?.text, 'tcp://db.internal:5432');
  assert.equal(urlAt(line, 0), undefined);
  assert.equal(urlAt(line, line.indexOf('Done')), undefined);
});

test('a closing parenthesis belongs to the address only when the address opened one', () => {
  const line = '(see http://example.org/wiki/Thing_(disambiguation)) or (http://example.org/plain)';
  assert.equal(urlAt(line, 10)?.text, 'http://example.org/wiki/Thing_(disambiguation)');
  assert.equal(urlAt(line, line.lastIndexOf('plain'))?.text, 'http://example.org/plain');
});

test('what Add Target refuses is not an address: credentials in the URL, an unsupported scheme, no host', () => {
  assert.equal(urlAt('curl https://user:secret@api.example.com/x', 10), undefined);
  assert.equal(urlAt('ftp://files.example.com/', 3), undefined);
  assert.equal(urlAt('tcp://db.internal', 3), undefined);
  assert.equal(targetUrlKey('http://127.0.0.1:80'), 'http://127.0.0.1/');
});

test('only a window around the cursor of a very long line is read', () => {
  const line = `${'x'.repeat(1_000_000)} https://far.example.com/ ${'y'.repeat(10)}`;
  const column = line.indexOf('far');
  assert.equal(urlAt(line, column)?.key, 'https://far.example.com/');
  assert.equal(urlAt(line, 10), undefined);
});

test('the index finds a target by any spelling of its URL, and forgets removed ones', () => {
  const index = new TargetUrlIndex();
  index.rebuild([
    { id: 'a', url: 'https://api.example.com/health' },
    { id: 'b', url: 'tcp://db.internal:5432' },
  ]);
  assert.equal(index.targetFor(urlAt('HTTPS://api.EXAMPLE.com:443/health', 0)!.key), 'a');
  assert.equal(index.targetFor(urlAt('tcp://DB.internal:5432', 0)!.key), 'b');
  assert.equal(index.targetFor(urlAt('https://api.example.com/other', 0)!.key), undefined);
  index.rebuild([{ id: 'b', url: 'tcp://db.internal:5432' }]);
  assert.equal(index.targetFor('https://api.example.com/health'), undefined);
  assert.equal(index.size, 1);
});
