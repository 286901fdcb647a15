import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  bypassesProxy,
  parseProxyUrl,
  proxyAuthorization,
  proxyFor,
  proxySettingsFromEnvironment,
  redactCredentials,
  splitNoProxy,
  type ProxySettings,
} from '../../../src/core/probes/proxySettings';

describe('noProxy rules', () => {
  const cases: { rules: string[]; host: string; port?: number; bypass: boolean }[] = [
    { rules: ['*'], host: 'anything.example', bypass: true },
    { rules: ['example.com'], host: 'example.com', bypass: true },
    { rules: ['example.com'], host: 'api.example.com', bypass: true },
    { rules: ['example.com'], host: 'notexample.com', bypass: false },
    { rules: ['.example.com'], host: 'example.com', bypass: true },
    { rules: ['.example.com'], host: 'deep.api.example.com', bypass: true },
    { rules: ['*.example.com'], host: 'api.example.com', bypass: true },
    { rules: ['EXAMPLE.com.'], host: 'Api.Example.COM.', bypass: true },
    { rules: ['example.com:8080'], host: 'example.com', port: 8080, bypass: true },
    { rules: ['example.com:8080'], host: 'example.com', port: 443, bypass: false },
    { rules: ['10.1.2.3'], host: '10.1.2.3', bypass: true },
    { rules: ['10.1.2.3'], host: '10.1.2.4', bypass: false },
    { rules: ['10.0.0.0/8'], host: '10.200.0.9', bypass: true },
    { rules: ['10.0.0.0/8'], host: '11.0.0.1', bypass: false },
    { rules: ['::1'], host: '[::1]', bypass: true },
    { rules: ['[0:0::1]:3000'], host: '::1', port: 3000, bypass: true },
    { rules: ['[::1]:3000'], host: '::1', port: 80, bypass: false },
    { rules: ['fd00::/8'], host: '[fd12::1]', bypass: true },
    // A name is never resolved to compare it with an address, nor an address read as a name.
    { rules: ['127.0.0.1'], host: 'localhost', bypass: false },
    { rules: ['0.1'], host: '10.0.0.1', bypass: false },
    { rules: ['', ' ', 'exa*mple.com', 'host:notaport'], host: 'example.com', bypass: false },
  ];
  for (const { rules, host, port = 80, bypass } of cases) {
    test(`${JSON.stringify(rules)} ${bypass ? 'bypasses' : 'does not bypass'} ${host}:${port}`, () => {
      assert.equal(bypassesProxy(host, port, rules), bypass);
    });
  }

  test('a NO_PROXY text splits at commas and spaces', () => {
    assert.deepEqual(splitNoProxy(' localhost, .corp.example  10.0.0.0/8,,'), ['localhost', '.corp.example', '10.0.0.0/8']);
    assert.deepEqual(splitNoProxy(undefined), []);
  });
});

describe('the proxy for a URL', () => {
  const settings: ProxySettings = {
    http: { url: 'http://plain.proxy:3128' },
    https: { url: 'http://tunnel.proxy:3128' },
    strictSSL: true,
    noProxy: ['internal.example'],
  };

  test("is chosen by the target's scheme, with the default port for noProxy rules", () => {
    assert.equal(proxyFor(new URL('http://a.example/'), settings)?.url, 'http://plain.proxy:3128');
    assert.equal(proxyFor(new URL('https://a.example/'), settings)?.url, 'http://tunnel.proxy:3128');
    assert.equal(proxyFor(new URL('https://x.internal.example/'), settings), undefined);
    assert.equal(proxyFor(new URL('https://a.example/'), { ...settings, noProxy: ['a.example:443'] }), undefined);
    assert.equal(proxyFor(new URL('http://a.example/'), { strictSSL: true, noProxy: [] }), undefined);
  });
});

describe('proxy URLs', () => {
  test('take credentials out of the URL, decoded', () => {
    const parsed = parseProxyUrl('http://me%40corp:p%3Ass@proxy.corp:8080');
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.server, { url: 'http://proxy.corp:8080', credentials: { username: 'me@corp', password: 'p:ss' } });
  });

  test('assume http:// when no scheme is given, as curl does', () => {
    const parsed = parseProxyUrl('proxy.corp:3128');
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.server, { url: 'http://proxy.corp:3128' });
  });

  test('refuse kinds of proxy that are not supported, without echoing a password', () => {
    const socks = parseProxyUrl('socks5://proxy:1080');
    assert.equal(socks.ok, false);
    const broken = parseProxyUrl('http://user:hunter2@[bad');
    assert.ok(!broken.ok);
    assert.doesNotMatch(broken.error, /hunter2/);
    assert.equal(redactCredentials('http://user:hunter2@proxy:1'), 'http://user:***@proxy:1');
  });

  test('Basic credentials are base64 of user:password in UTF-8', () => {
    assert.equal(
      proxyAuthorization({ url: 'http://p:1', credentials: { username: 'Aladdin', password: 'open sesame' } }),
      'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
    );
    assert.equal(
      proxyAuthorization({ url: 'http://p:1', credentials: { username: 'a', password: 'b' }, authorization: 'Negotiate x' }),
      'Basic YTpi',
    );
    assert.equal(proxyAuthorization({ url: 'http://p:1', authorization: 'Negotiate x' }), 'Negotiate x');
    assert.equal(proxyAuthorization({ url: 'http://p:1' }), undefined);
  });
});

describe('proxy settings from the environment', () => {
  test('http_proxy for http, https_proxy for https, lowercase first, all_proxy as the fallback', () => {
    const { settings, problems } = proxySettingsFromEnvironment({
      HTTP_PROXY: 'http://upper:1',
      http_proxy: 'http://lower:2',
      ALL_PROXY: 'http://all:3',
      NO_PROXY: 'localhost,.corp',
    });
    assert.deepEqual(problems, []);
    assert.equal(settings.http?.url, 'http://lower:2');
    assert.equal(settings.https?.url, 'http://all:3');
    assert.deepEqual(settings.noProxy, ['localhost', '.corp']);
  });

  test('nothing set means no proxy; a broken value is reported', () => {
    assert.deepEqual(proxySettingsFromEnvironment({}).settings, { strictSSL: true, noProxy: [] });
    const { settings, problems } = proxySettingsFromEnvironment({ HTTPS_PROXY: 'socks5://x:1' });
    assert.equal(settings.https, undefined);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^HTTPS_PROXY: /);
  });
});
