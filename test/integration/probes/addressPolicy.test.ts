/**
 * Where a check may connect, against real servers on loopback and a DNS server on loopback: a
 * workspace target never connects to a cloud metadata service in any spelling or through a name
 * that resolves to one; a redirect never leads to one, nor further into the network than the
 * server that sent it; a redirect that keeps the method and body does not carry them to another
 * origin. Connections outside loopback are refused by `allowLoopbackOnly`, which also records
 * them, so "no connection was attempted" is seen, not assumed.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { classifyAddress, type AddressClass } from '../../../src/core/probes/addressClass';
import { Prober } from '../../../src/core/probes/prober';
import { resolveTarget, type Target, type TargetEntry } from '../../../src/core/targets/target';
import { startDnsServer, type TestDnsServer } from '../../support/dnsServer';
import { allowLoopbackOnly, type LoopbackOnly } from '../../support/loopbackOnly';
import { startHttpServer, type RunningServer } from '../../support/servers';

function target(entry: TargetEntry, level: 'user' | 'workspace' = 'user'): Target {
  const resolved = resolveTarget(typeof entry === 'string' ? { url: entry, timeout: 3000 } : { timeout: 3000, ...entry });
  if (!resolved.ok) throw new Error(resolved.error);
  // What targetEntries.ts does for an entry from workspace or folder settings.
  return { ...resolved.value, blockLinkLocal: level !== 'user' };
}

let guard: LoopbackOnly;
beforeEach(() => (guard = allowLoopbackOnly()));
afterEach(() => guard.restore());

describe('cloud metadata addresses', () => {
  let dns: TestDnsServer;
  before(async () => {
    dns = await startDnsServer({
      'metadata.monitor.test': { a: ['169.254.169.254'], ttl: 60 },
      'mapped.monitor.test': { aaaa: ['::ffff:a9fe:a9fe'], ttl: 60 },
      'alibaba.monitor.test': { a: ['100.100.100.200'], ttl: 60 },
      'mixed.monitor.test': { a: ['127.0.0.1', '192.0.0.192'], ttl: 60 },
    });
  });
  after(() => dns.close());

  test('a workspace target is refused before connecting, in every spelling and through names that resolve to one', async () => {
    const prober = new Prober({ dns: { servers: [dns.address] } });
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://2852039166/',
      'http://0xa9.0xfe.0xa9.0xfe/',
      'http://0251.0376.0251.0376/',
      'http://100.100.100.200/',
      'http://192.0.0.192/',
      'http://[fd00:ec2::254]/',
      'tcp://2852039166:80',
      'tcp://[::ffff:a9fe:a9fe]:80',
      'http://metadata.monitor.test/',
      'http://mapped.monitor.test/',
      'tcp://alibaba.monitor.test:80',
      'http://mixed.monitor.test/',
    ]) {
      const result = await prober.check(target(url, 'workspace'));
      assert.equal(result.reason, 'BLOCKED', `${url}: ${result.message}`);
      assert.match(result.message, /is a cloud metadata address/, url);
    }
    assert.deepEqual(guard.attempts, [], 'no connection was attempted');
  });

  test("a user's own target gets through to the connect (which this test refuses)", async () => {
    const result = await new Prober().check(target('http://[::ffff:a9fe:a9fe]:9/'));
    assert.notEqual(result.reason, 'BLOCKED', result.message);
    assert.deepEqual(guard.attempts, ['::ffff:a9fe:a9fe:9']);
  });
});

/** A server that answers `/go` with `status` and `location()`, and records every request it gets. */
async function redirectingServer(host: string, status: number, location: () => string): Promise<RunningServer & { seen: string[] }> {
  const seen: string[] = [];
  const server = await startHttpServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push(`${request.method} ${request.url} ${body}`.trim());
      if (request.url === '/go') response.writeHead(status, { location: location() });
      response.end('ok');
    });
  }, host);
  return { ...server, seen };
}

describe('where a redirect may lead', () => {
  let redirectTo = '';
  let found: Awaited<ReturnType<typeof redirectingServer>>;
  let temporary: Awaited<ReturnType<typeof redirectingServer>>;
  let elsewhere: Awaited<ReturnType<typeof redirectingServer>>;
  let inside: Awaited<ReturnType<typeof redirectingServer>>;
  before(async () => {
    found = await redirectingServer('127.0.0.2', 302, () => redirectTo);
    temporary = await redirectingServer('127.0.0.1', 307, () => redirectTo);
    elsewhere = await redirectingServer('127.0.0.3', 200, () => '');
    inside = await redirectingServer('127.0.0.1', 200, () => '');
  });
  after(() => Promise.all([found, temporary, elsewhere, inside].map((server) => server.close())));
  beforeEach(() => {
    for (const server of [found, temporary, elsewhere, inside]) server.seen.length = 0;
  });

  /** The real table, except that 127.0.0.2 and 127.0.0.3 stand in for servers in `where`. */
  const placing =
    (where: AddressClass) =>
    (address: string): AddressClass | undefined =>
      address === '127.0.0.2' || address === '127.0.0.3' ? where : classifyAddress(address);

  test('never to a metadata service, even for a user target, in any spelling', async () => {
    for (const location of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:a9fe:a9fe]/', 'http://2852039166/']) {
      redirectTo = location;
      const result = await new Prober().check(target(`${found.origin}/go`));
      assert.equal(result.reason, 'BLOCKED', `${location}: ${result.message}`);
      assert.match(result.message, /cloud metadata address .* a redirect from a server may never lead/);
    }
    assert.deepEqual(guard.attempts, []);
  });

  test('from a server on the internet, not into this machine', async () => {
    redirectTo = `${inside.origin}/`;
    const result = await new Prober({ classifyAddress: placing('public') }).check(target(`${found.origin}/go`));
    assert.equal(result.status, 'DOWN');
    assert.equal(result.reason, 'BLOCKED');
    assert.match(result.message, /from an internet address to 127\.0\.0\.1, an address of this machine/);
    assert.deepEqual(found.seen, ['GET /go']);
    assert.deepEqual(inside.seen, [], 'the loopback server got nothing');
  });

  test('from a server on a private network, not into this machine', async () => {
    redirectTo = `${inside.origin}/`;
    const result = await new Prober({ classifyAddress: placing('private') }).check(target(`${found.origin}/go`));
    assert.equal(result.reason, 'BLOCKED', result.message);
    assert.deepEqual(inside.seen, []);
  });

  test('from the internet to the internet, and within this machine, as before', async () => {
    redirectTo = `${elsewhere.origin}/`;
    const outside = await new Prober({ classifyAddress: placing('public') }).check(target(`${found.origin}/go`));
    assert.equal(outside.status, 'UP', outside.message);
    assert.deepEqual(elsewhere.seen, ['GET /']);
    redirectTo = `${inside.origin}/`;
    const local = await new Prober().check(target(`${found.origin}/go`));
    assert.equal(local.status, 'UP', local.message);
    assert.deepEqual(inside.seen, ['GET /']);
  });

  test('a 307 does not carry a POST and its body to another origin', async () => {
    redirectTo = `${inside.origin}/`;
    const result = await new Prober().check(target({ url: `${temporary.origin}/go`, method: 'POST', body: 'token=abc' }));
    assert.equal(result.reason, 'BLOCKED', result.message);
    assert.match(result.message, /would send this POST request and its body there/);
    assert.deepEqual(temporary.seen, ['POST /go token=abc']);
    assert.deepEqual(inside.seen, [], 'the other origin got nothing');
  });

  test('a 307 within the origin keeps the POST and its body', async () => {
    redirectTo = '/done';
    const result = await new Prober().check(target({ url: `${temporary.origin}/go`, method: 'POST', body: 'token=abc' }));
    assert.equal(result.status, 'UP', result.message);
    assert.deepEqual(temporary.seen, ['POST /go token=abc', 'POST /done token=abc']);
  });
});
