/** The spellings of a secret hidden in a check's message (secretScrubbing.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HIDDEN_SECRET, hideSecrets } from '../../../src/core/probes/secretScrubbing';

test('a secret is hidden as written, URL-encoded, JSON-escaped and in base64', () => {
  const secret = 'tok "en"/+ 42';
  for (const spelling of [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString('base64'),
  ]) {
    assert.equal(hideSecrets(`before ${spelling} after`, [secret]), `before ${HIDDEN_SECRET} after`, spelling);
  }
});

test("a Basic credential's decoded text and its password alone are hidden; short pieces and other text are kept", () => {
  const basic = Buffer.from('monitor:s3cret-pass').toString('base64');
  assert.equal(hideSecrets('user monitor:s3cret-pass', [basic]), `user ${HIDDEN_SECRET}`);
  assert.equal(hideSecrets('password s3cret-pass', [basic]), `password ${HIDDEN_SECRET}`);
  const shortPassword = Buffer.from('monitor:ab').toString('base64');
  assert.equal(hideSecrets('a cab', [shortPassword]), 'a cab');
  assert.equal(hideSecrets('HTTP 200 in 3 ms.', ['unrelated-token']), 'HTTP 200 in 3 ms.');
});
