import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyAddress } from '../../../src/core/probes/addressClass';
import { assertAddressesAllowed, headersForRedirect, refusalFor, resendRefusal } from '../../../src/core/probes/networkPolicy';
import { resolveTarget } from '../../../src/core/targets/target';

/** The host a check connects to for what a user (or a repository) writes. */
function hostOf(spec: string): string {
  const target = resolveTarget(spec);
  assert.ok(target.ok, spec);
  return target.value.host;
}

describe('cloud metadata addresses', () => {
  const spellings = [
    'http://169.254.169.254/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[0:0:0:0:0:ffff:a9fe:a9fe]/',
    'http://[::ffff:0:a9fe:a9fe]/',
    'http://[::169.254.169.254]/',
    'http://[64:ff9b::169.254.169.254]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://2852039166/',
    'http://0xa9fea9fe/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://0251.0376.0251.0376/',
    'http://169.254.43518/',
    'http://169.254.169.254./',
    'http://%31%36%39.254.169.254/',
    'http://100.100.100.200/',
    'http://[::ffff:100.100.100.200]/',
    'http://192.0.0.192/',
    'http://[fd00:ec2::254]/',
    'http://[fd00:0ec2:0000::0254]/',
    'tcp://169.254.169.254:80',
    'tcp://2852039166:80',
    'tcp://0xa9.0xfe.0xa9.0xfe:80',
    'tcp://0251.0376.0251.0376:80',
    'tcp://[::ffff:a9fe:a9fe]:80',
    '169.254.169.254:80',
  ];

  test('are recognised in every spelling a URL or a tcp:// target accepts', () => {
    for (const spec of spellings) assert.equal(classifyAddress(hostOf(spec)), 'metadata', spec);
  });

  test('are refused for a workspace target and for every redirect, and named as such', () => {
    for (const spec of spellings) {
      const host = hostOf(spec);
      assert.match(refusalFor(host, host, { blockLinkLocal: true }) ?? '', /^Blocked: .* is a cloud metadata address/, spec);
      assert.match(refusalFor(host, host, { blockLinkLocal: false, redirectedFrom: 'loopback' }) ?? '', /cloud metadata address/, spec);
      assert.equal(refusalFor(host, host, { blockLinkLocal: false }), undefined, `${spec}: the user's own target`);
    }
  });
});

describe('the class of an address', () => {
  test('link-local, loopback and private ranges, in IPv4, IPv6 and IPv4 carried in IPv6', () => {
    const expected: Record<string, string> = {
      '169.254.0.1': 'linkLocal',
      '::ffff:169.254.0.1': 'linkLocal',
      'fe80::1': 'linkLocal',
      'FE80::abcd': 'linkLocal',
      'febf::1': 'linkLocal',
      '[fe80::1%eth0]': 'linkLocal',
      '127.0.0.1': 'loopback',
      '127.1.2.3': 'loopback',
      '0.0.0.0': 'loopback',
      '::1': 'loopback',
      '::': 'loopback',
      '::ffff:127.0.0.1': 'loopback',
      '::ffff:7f00:1': 'loopback',
      '64:ff9b::7f00:1': 'loopback',
      '10.1.2.3': 'private',
      '172.16.0.1': 'private',
      '172.31.255.255': 'private',
      '192.168.1.1': 'private',
      '100.64.0.1': 'private',
      '::ffff:10.0.0.1': 'private',
      'fd00::254': 'private',
      'fd00:ec2::253': 'private',
      'fec0::1': 'private',
      '8.8.8.8': 'public',
      '169.253.255.255': 'public',
      '169.255.0.1': 'public',
      '172.32.0.1': 'public',
      '2001:db8::1': 'public',
      '64:ff9b::808:808': 'public',
    };
    for (const [address, kind] of Object.entries(expected)) assert.equal(classifyAddress(address), kind, address);
    assert.equal(classifyAddress('example.com'), undefined);
  });

  test('a workspace target may not reach link-local addresses; the refusal names the host and the address', () => {
    assert.doesNotThrow(() => assertAddressesAllowed(['169.254.1.1'], 'printer.local', { blockLinkLocal: false }));
    assert.throws(
      () => assertAddressesAllowed(['127.0.0.1', '169.254.1.1'], 'printer.local', { blockLinkLocal: true }),
      /printer\.local \(169\.254\.1\.1\) is a link-local address/,
    );
    assert.doesNotThrow(() => assertAddressesAllowed(['127.0.0.1', '10.0.0.1'], 'localhost', { blockLinkLocal: true }));
  });
});

describe('where a redirect may lead', () => {
  const to = (address: string, redirectedFrom: 'public' | 'private' | 'loopback') =>
    refusalFor(address, address, { blockLinkLocal: false, redirectedFrom });

  test('never further into the network than the server that sent it', () => {
    assert.match(to('127.0.0.1', 'public') ?? '', /from an internet address to 127\.0\.0\.1, an address of this machine/);
    assert.match(to('10.0.0.1', 'public') ?? '', /to 10\.0\.0\.1, a private network address/);
    assert.match(to('::ffff:7f00:1', 'public') ?? '', /an address of this machine/);
    assert.match(to('127.0.0.1', 'private') ?? '', /from a private network address/);
  });

  test('outwards or at the same depth as before', () => {
    for (const [address, from] of [
      ['127.0.0.2', 'loopback'],
      ['10.0.0.1', 'loopback'],
      ['8.8.8.8', 'loopback'],
      ['192.168.0.1', 'private'],
      ['8.8.8.8', 'public'],
    ] as const) {
      assert.equal(to(address, from), undefined, `${from} to ${address}`);
    }
  });
});

describe('a redirect that keeps the method and body', () => {
  const a = new URL('http://a.test/x');
  test('is refused to another origin', () => {
    assert.match(resendRefusal('POST', '{"token":1}', a, new URL('http://b.test/')) ?? '', /send this POST request and its body there/);
    assert.match(resendRefusal('DELETE', undefined, a, new URL('http://a.test:8080/')) ?? '', /DELETE request there/);
    assert.match(resendRefusal('POST', 'x', a, new URL('https://b.test/')) ?? '', /POST/);
  });

  test('is followed within the origin, from http to https on the same host, and for GET and HEAD', () => {
    assert.equal(resendRefusal('POST', 'x', a, new URL('http://a.test/y')), undefined);
    assert.equal(resendRefusal('POST', 'x', a, new URL('https://a.test/x')), undefined);
    assert.equal(resendRefusal('GET', undefined, a, new URL('http://b.test/')), undefined);
    assert.equal(resendRefusal('HEAD', undefined, a, new URL('http://b.test/')), undefined);
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
