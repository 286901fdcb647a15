import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseHeaderLine,
  parseStatusRanges,
  parseTargetSpec,
  parseTextMatcher,
  resolveTarget,
  statusAccepted,
} from '../../../src/core/targets/target';
import { evaluateJsonPath, parseJsonPath } from '../../../src/core/probes/jsonPath';

function spec(input: string) {
  const parsed = parseTargetSpec(input);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return parsed.value;
}

function specError(input: string): string {
  const parsed = parseTargetSpec(input);
  assert.ok(!parsed.ok, `${input} should be rejected`);
  return parsed.error;
}

describe('parseTargetSpec', () => {
  test('http and https URLs are kept, fragments dropped', () => {
    assert.deepEqual(spec('https://example.com/health?x=1#top'), {
      kind: 'http',
      url: 'https://example.com/health?x=1',
      host: 'example.com',
      port: 443,
      assumedHttps: false,
    });
    assert.equal(spec('http://127.0.0.1:8080').url, 'http://127.0.0.1:8080/');
    assert.equal(spec('http://[::1]:8080/x').host, '::1');
  });

  test('a bare host is taken as https:// and says so', () => {
    const parsed = spec('example.com');
    assert.equal(parsed.url, 'https://example.com/');
    assert.equal(parsed.assumedHttps, true);
    assert.equal(spec('example.com/status').url, 'https://example.com/status');
  });

  test('host:port and tcp://host:port are TCP connect checks', () => {
    assert.deepEqual(spec('db.internal:5432'), {
      kind: 'tcp',
      url: 'tcp://db.internal:5432',
      host: 'db.internal',
      port: 5432,
      assumedHttps: false,
    });
    assert.equal(spec('tcp://127.0.0.1:6379').url, 'tcp://127.0.0.1:6379');
    assert.equal(spec('[::1]:22').url, 'tcp://[::1]:22');
  });

  test('dns://name is a DNS check', () => {
    assert.deepEqual(spec('dns://Example.COM'), {
      kind: 'dns',
      url: 'dns://example.com',
      host: 'example.com',
      port: 0,
      assumedHttps: false,
    });
  });

  test('anything else is refused with a message that names the problem and lists what is accepted', () => {
    assert.match(specError('ftp://example.com'), /Unsupported scheme "ftp:\/\/".*Accepted:/);
    assert.match(specError('ping://example.com'), /raw sockets/);
    assert.match(specError(''), /Enter a URL/);
    assert.match(specError('exa mple.com'), /contains spaces/);
    assert.match(specError('tcp://host'), /needs a host and a port/);
    assert.match(specError('host:99999'), /Port "99999"/);
    assert.match(specError('https://bad_host!/'), /not a valid/);
    assert.match(specError('https://user:secret@example.com/'), /credentials/);
    assert.match(specError('dns://1.2.3.4'), /not a valid DNS name/);
  });
});

describe('resolveTarget', () => {
  test('a string entry gets the defaults', () => {
    const resolved = resolveTarget('https://example.com');
    assert.ok(resolved.ok);
    assert.equal(resolved.value.intervalMs, 60_000);
    assert.equal(resolved.value.timeoutMs, 10_000);
    assert.equal(resolved.value.http?.method, 'GET');
    assert.equal(resolved.value.http?.tlsVerify, true);
    assert.deepEqual(resolved.value.http?.expectStatus, [{ from: 200, to: 399 }]);
    assert.match(resolved.value.id, /^[0-9a-f]{12}$/);
  });

  test('an object entry sets its own fields', () => {
    const resolved = resolveTarget({
      url: 'http://localhost:3000/health',
      name: 'API',
      interval: 5,
      timeout: 2000,
      method: 'post',
      expectStatus: '200-299,401',
      latencyBudgetMs: 300,
      tlsVerify: false,
    });
    assert.ok(resolved.ok);
    assert.equal(resolved.value.name, 'API');
    assert.equal(resolved.value.intervalMs, 5000);
    assert.equal(resolved.value.http?.method, 'POST');
    assert.equal(resolved.value.http?.latencyBudgetMs, 300);
  });

  test('a broken field is reported by name', () => {
    const cases: [unknown, RegExp][] = [
      [{}, /no "url"/],
      [{ url: 'https://x.com', interval: 0 }, /"interval" must be/],
      [{ url: 'https://x.com', timeout: 'soon' }, /"timeout" must be/],
      [{ url: 'https://x.com', timeout: 120_001 }, /"timeout" must be a number of milliseconds from 1 to 120000/],
      [{ url: 'https://x.com', method: 'FETCH' }, /"method" must be/],
      [{ url: 'https://x.com', headers: { 'bad header': 'x' } }, /not a valid header name/],
      [{ url: 'https://x.com', expectStatus: '2xx' }, /expectStatus/],
      [{ url: 'https://x.com', bodyContains: '/[unclosed/' }, /not a regular expression this monitor can run.*missing closing \]/],
      [{ url: 'https://x.com', bodyContains: '/(a)\\1/' }, /Back-references and look-arounds are not supported/],
      [{ url: 'https://x.com', jsonPath: '$.a' }, /needs an "equals"/],
      [{ url: 'tcp://x.com:1', bodyContains: 'x' }, /only apply to http/],
    ];
    for (const [entry, pattern] of cases) {
      const resolved = resolveTarget(entry as never);
      assert.ok(!resolved.ok, `${JSON.stringify(entry)} should be rejected`);
      assert.match(resolved.error, pattern);
    }
  });
});

describe('status ranges and JSON paths', () => {
  test('status ranges', () => {
    const ranges = parseStatusRanges('200-299, 401');
    assert.ok(ranges.ok);
    assert.equal(statusAccepted(204, ranges.value), true);
    assert.equal(statusAccepted(401, ranges.value), true);
    assert.equal(statusAccepted(302, ranges.value), false);
    assert.ok(!parseStatusRanges('300-200').ok);
  });

  test('JSON paths', () => {
    const doc = { a: { b: [{ c: 1 }, { 'd e': 'x' }] } };
    assert.deepEqual(evaluateJsonPath(doc, parseJsonPath('$.a.b[0].c')!), { found: true, value: 1 });
    assert.deepEqual(evaluateJsonPath(doc, parseJsonPath("a.b[1]['d e']")!), { found: true, value: 'x' });
    assert.deepEqual(evaluateJsonPath(doc, parseJsonPath('$.a.b[5]')!), { found: false });
    assert.deepEqual(evaluateJsonPath(doc, parseJsonPath('$.a.toString')!), { found: false });
    assert.equal(parseJsonPath('$.a[?(@.x)]'), undefined);
  });
});

describe('body patterns from settings', () => {
  test('match in linear time, so a pattern that makes a backtracking engine run for hours answers at once', () => {
    const matcher = parseTextMatcher('/(a+)+$/');
    assert.ok(matcher.ok);
    // A backtracking engine takes about 2^n steps here; 100,000 characters would never finish.
    assert.equal(matcher.value.test(`${'a'.repeat(100_000)}!`), false);
    assert.equal(matcher.value.test('aaa'), true);
  });

  test('keep the JavaScript flags users write: i, m and s', () => {
    const cases: [string, string, boolean][] = [
      ['/ok/i', 'OK', true],
      ['/ok/', 'OK', false],
      ['/^b$/m', 'a\nb', true],
      ['/a.b/s', 'a\nb', true],
      ['/a.b/', 'a\nb', false],
    ];
    for (const [source, text, expected] of cases) {
      const matcher = parseTextMatcher(source);
      assert.ok(matcher.ok, source);
      assert.equal(matcher.value.test(text), expected, `${source} on ${JSON.stringify(text)}`);
    }
  });
});

describe('headers that would route a request elsewhere', () => {
  test('an entry may not set Host, Forwarded, X-Forwarded-Host or a pseudo-header, in any case', () => {
    for (const name of ['Host', 'HOST', 'forwarded', 'X-Forwarded-Host', ':authority', ':Path']) {
      const built = resolveTarget({ url: 'https://api.test/', headers: { [name]: 'internal.test' } });
      assert.ok(!built.ok, name);
      assert.match(built.error, /from the URL/, name);
    }
  });

  test('neither may a --header on the command line', () => {
    const parsed = parseHeaderLine('Host: internal.test');
    assert.ok(!parsed.ok);
    assert.match(parsed.error, /always comes from the URL/);
    assert.ok(parseHeaderLine('X-Forwarded-For: 10.0.0.1').ok, 'Other forwarding headers say nothing about the host.');
  });
});
