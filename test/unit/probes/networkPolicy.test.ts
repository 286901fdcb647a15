import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertAddressesAllowed, headersForRedirect, isLinkLocalOrMetadata } from '../../../src/core/probes/networkPolicy';

describe('link-local and metadata addresses', () => {
  test('are recognised in every spelling', () => {
    for (const address of [
      '169.254.169.254',
      '169.254.0.1',
      'fe80::1',
      'FE80::abcd',
      'febf::1',
      'fd00:ec2::254',
      'fd00:0ec2:0000::0254',
      '::ffff:169.254.169.254',
      '[fe80::1]',
    ]) {
      assert.equal(isLinkLocalOrMetadata(address), true, address);
    }
  });

  test('leave every other address alone', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '169.253.255.255',
      '169.255.0.1',
      '::1',
      'fec0::1',
      'fd00:ec2::253',
      'fd00::254',
      '::ffff:127.0.0.1',
      'example.com',
    ]) {
      assert.equal(isLinkLocalOrMetadata(address), false, address);
    }
  });

  test('only a target that blocks them is refused, naming the host and the address', () => {
    assert.doesNotThrow(() => assertAddressesAllowed(['169.254.169.254'], 'metadata.internal', false));
    assert.throws(
      () => assertAddressesAllowed(['127.0.0.1', '169.254.169.254'], 'metadata.internal', true),
      /metadata\.internal \(169\.254\.169\.254\) is a link-local/,
    );
    assert.doesNotThrow(() => assertAddressesAllowed(['127.0.0.1'], 'localhost', true));
  });
});

describe('headers on a redirect', () => {
  const headers = { authorization: 'Bearer a', cookie: 'c=1', 'proxy-authorization': 'Basic p', 'x-api-key': 'k', 'x-trace': 't' };

  test('stay whole within one origin', () => {
    assert.deepEqual(headersForRedirect(headers, ['x-api-key'], new URL('https://a.test/x'), new URL('https://a.test:443/y')), headers);
  });

  test('lose credentials and secret values when the scheme, host or port changes', () => {
    for (const next of ['http://a.test/', 'https://b.test/', 'https://a.test:8443/']) {
      assert.deepEqual(headersForRedirect(headers, ['x-api-key'], new URL('https://a.test/'), new URL(next)), { 'x-trace': 't' }, next);
    }
  });
});
