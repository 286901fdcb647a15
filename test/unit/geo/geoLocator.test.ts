import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, createServer, type AddressInfo } from 'node:net';
import { GeoLocator } from '../../../src/core/geo/geoLocator';
import { MAX_RESPONSE_BYTES, type OnlineGeoLookupOptions } from '../../../src/core/geo/onlineGeoLookup';
import type { GeoLocation } from '../../../src/shared/geoLocation';
import { startLocalHttpsServer, type LocalHttpsServer } from './localHttpsServer';

const DATABASE = join(
  __dirname,
  '..',
  '..',
  '..',
  'node_modules',
  '@ip-location-db',
  'geo-whois-asn-country-mmdb',
  'geo-whois-asn-country.mmdb',
);

const HUGE_ANSWER_BYTES = 16 * 1024 * 1024;

function countingReader(): { reads: () => number; read: (path: string) => Promise<Buffer> } {
  let reads = 0;
  return {
    reads: () => reads,
    read: (path) => {
      reads++;
      return readFile(path);
    },
  };
}

describe('GeoLocator offline', () => {
  test('locates well-known public IPv4 and IPv6 addresses by country, with a map point inside that country', async () => {
    const locator = new GeoLocator({ databasePath: DATABASE });
    const google = await locator.locate('8.8.8.8');
    assert.equal(google.countryCode, 'US');
    assert.equal(google.country, 'United States');
    assert.equal(google.local, false);
    assert.equal(google.city, null);
    // Contiguous United States: the point must not be pulled towards Alaska or Hawaii.
    assert.ok(google.lat! > 30 && google.lat! < 45 && google.lon! > -110 && google.lon! < -85, `${google.lat},${google.lon}`);

    const ripe = await locator.locate('193.0.6.139');
    assert.equal(ripe.countryCode, 'NL');
    assert.equal(ripe.country, 'Netherlands');

    const googleV6 = await locator.locate('2001:4860:4860::8888');
    assert.equal(googleV6.countryCode, 'US');
    const ripeV6 = await locator.locate('[2001:67c:2e8::1]');
    assert.equal(ripeV6.countryCode, 'NL');
    assert.ok(ripeV6.lat! > 50 && ripeV6.lat! < 54 && ripeV6.lon! > 3 && ripeV6.lon! < 8);
    locator.dispose();
  });

  test('an IPv4-mapped IPv6 address is located as its IPv4 address', async () => {
    const locator = new GeoLocator({ databasePath: DATABASE });
    assert.equal((await locator.locate('::ffff:8.8.8.8')).countryCode, 'US');
    assert.equal((await locator.locate('::ffff:127.0.0.1')).local, true);
  });

  test('local-network addresses are "local" and do not load the database', async () => {
    const reader = countingReader();
    const locator = new GeoLocator({ databasePath: DATABASE, readDatabaseFile: reader.read });
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '100.127.255.254',
      '169.254.1.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1%eth0',
      'fd12:3456::1',
      'fc00::1',
    ]) {
      const location = await locator.locate(ip);
      assert.equal(location.local, true, ip);
      assert.equal(location.countryCode, null, ip);
      assert.equal(location.lat, null, ip);
    }
    assert.equal(reader.reads(), 0);
  });

  test('addresses just outside the private ranges are public', async () => {
    const reader = countingReader();
    const locator = new GeoLocator({ databasePath: DATABASE, readDatabaseFile: reader.read });
    for (const ip of ['172.32.0.1', '100.128.0.1', '11.0.0.1', '2001:4860::1']) {
      assert.equal((await locator.locate(ip)).local, false, ip);
    }
    assert.equal(reader.reads(), 1, 'the database is read once, on the first public lookup');
  });

  test('an address the database does not cover has no country and no map point', async () => {
    const locator = new GeoLocator({ databasePath: DATABASE });
    // 192.0.2.0/24 is TEST-NET-1, never routed, so no registry assigns it a country.
    const location = await locator.locate('192.0.2.1');
    assert.deepEqual(location, { country: null, countryCode: null, city: null, isp: null, asn: null, lat: null, lon: null, local: false });
  });

  test('rejects input that is not an IP address, with a message naming it', async () => {
    const locator = new GeoLocator({ databasePath: DATABASE });
    for (const input of ['', 'example.com', '1.2.3', '256.1.1.1', '8.8.8.8:80', '1.2.3.4.5', '2001:db8::g', 'http://8.8.8.8/']) {
      await assert.rejects(
        locator.locate(input),
        (error: Error) => error.message.includes('is not an IPv4 or IPv6 address'),
        JSON.stringify(input),
      );
    }
  });

  test('a missing database file rejects public lookups with a clear message but still places local addresses', async () => {
    const locator = new GeoLocator({ databasePath: '/nonexistent/geo.mmdb' });
    await assert.rejects(locator.locate('8.8.8.8'), /could not be read from \/nonexistent\/geo\.mmdb/);
    assert.equal((await locator.locate('127.0.0.1')).local, true);
  });
});

describe('GeoLocator online lookup (local HTTPS server)', () => {
  let server: LocalHttpsServer;
  let mode: 'ok' | 'fail' | 'error500' | 'garbage' | 'hang' | 'huge' = 'ok';
  /** Bytes the 'huge' answer got onto the wire before the client stopped it. */
  let hugeBytesSent = 0;

  before(async () => {
    server = await startLocalHttpsServer((request, response) => {
      const ip = decodeURIComponent((request.url ?? '/').slice(1));
      if (mode === 'hang') return; // never answers; the client must give up
      if (mode === 'error500') {
        response.writeHead(500).end('oops');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      if (mode === 'huge') {
        // 16 MiB at the pace the client reads it, stopped when the client goes away.
        hugeBytesSent = 0;
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = (): void => {
          while (hugeBytesSent < HUGE_ANSWER_BYTES && !response.destroyed) {
            hugeBytesSent += chunk.length;
            if (!response.write(chunk)) return void response.once('drain', pump);
          }
          response.end();
        };
        pump();
        return;
      }
      if (mode === 'garbage') {
        response.end('<html>not json</html>');
        return;
      }
      if (mode === 'fail') {
        response.end(JSON.stringify({ ip, success: false, message: 'Reserved range' }));
        return;
      }
      response.end(
        JSON.stringify({
          ip,
          success: true,
          type: 'IPv4',
          country: 'United States',
          country_code: 'US',
          city: 'Mountain View',
          latitude: 37.386,
          longitude: -122.0838,
          connection: { asn: 15169, org: 'Google LLC', isp: 'Google LLC', domain: 'google.com' },
        }),
      );
    });
  });
  after(() => server.close());

  test('adds city, ISP, ASN and coordinates, and asks the provider once per IP', async () => {
    mode = 'ok';
    const before = server.requests.length;
    const locator = new GeoLocator({ databasePath: DATABASE, onlineLookup: true, online: { endpoint: server.url, fetch: server.fetch } });
    const first = await locator.locate('8.8.8.8');
    assert.deepEqual(first, {
      country: 'United States',
      countryCode: 'US',
      city: 'Mountain View',
      isp: 'Google LLC',
      asn: 15169,
      lat: 37.386,
      lon: -122.0838,
      local: false,
    });
    const again = await Promise.all([locator.locate('8.8.8.8'), locator.locate('::ffff:8.8.8.8')]);
    assert.deepEqual(again, [first, first]);
    assert.deepEqual(server.requests.slice(before), ['/8.8.8.8']);
    locator.dispose();
  });

  test('never sends local-network addresses', async () => {
    mode = 'ok';
    const before = server.requests.length;
    const locator = new GeoLocator({ databasePath: DATABASE, onlineLookup: true, online: { endpoint: server.url, fetch: server.fetch } });
    assert.equal((await locator.locate('192.168.0.10')).local, true);
    assert.equal((await locator.locate('fd00::5')).local, true);
    assert.equal(server.requests.length, before);
    locator.dispose();
  });

  test('off by default: no request leaves the machine', async () => {
    mode = 'ok';
    const before = server.requests.length;
    const locator = new GeoLocator({ databasePath: DATABASE, online: { endpoint: server.url, fetch: server.fetch } });
    assert.equal((await locator.locate('8.8.4.4')).city, null);
    assert.equal(server.requests.length, before);
    locator.setOnlineLookup(true);
    assert.equal((await locator.locate('8.8.4.4')).city, 'Mountain View');
    assert.equal(server.requests.length, before + 1);
    locator.dispose();
  });

  test('beyond the burst, lookups fall back to the offline country without a request', async () => {
    mode = 'ok';
    const before = server.requests.length;
    const locator = new GeoLocator({
      databasePath: DATABASE,
      onlineLookup: true,
      online: { endpoint: server.url, fetch: server.fetch, burst: 2, requestsPerMinute: 1, now: () => 1_000 },
    });
    const results = [];
    for (const ip of ['193.0.6.139', '9.9.9.9', '1.0.0.1']) results.push(await locator.locate(ip));
    assert.equal(server.requests.length - before, 2);
    assert.equal(results[0]!.city, 'Mountain View');
    assert.equal(results[2]!.city, null);
    assert.equal(results[2]!.countryCode, 'AU', 'offline country for 1.0.0.1');
    locator.dispose();
  });

  /** Locates `ip` once with a fresh locator that asks the test's provider, and the errors it reported. */
  async function locateOnline(ip: string, online: OnlineGeoLookupOptions = {}): Promise<{ location: GeoLocation; errors: string[] }> {
    const errors: string[] = [];
    const locator = new GeoLocator({
      databasePath: DATABASE,
      onlineLookup: true,
      online: { endpoint: server.url, fetch: server.fetch, ...online },
      onError: (message) => errors.push(message),
    });
    try {
      return { location: await locator.locate(ip), errors };
    } finally {
      locator.dispose();
    }
  }

  test('an HTTP error, an unsuccessful answer or a non-JSON body falls back to offline and is reported', async () => {
    for (const failure of ['error500', 'fail', 'garbage'] as const) {
      mode = failure;
      const { location, errors } = await locateOnline('193.0.6.139');
      assert.equal(location.countryCode, 'NL', failure);
      assert.equal(location.city, null, failure);
      assert.equal(errors.length, failure === 'fail' ? 0 : 1, failure);
      if (failure === 'error500') assert.match(errors[0]!, /failed \(the provider answered HTTP 500\)/);
    }
  });

  test('a provider that never answers is given up on after the timeout', async () => {
    mode = 'hang';
    const { location, errors } = await locateOnline('8.8.8.8', { timeoutMs: 200 });
    assert.equal(location.countryCode, 'US');
    assert.match(errors[0] ?? '', /no answer within 200 ms/);
  });

  test('a huge answer is read only up to the bound, then the connection is dropped', async () => {
    mode = 'huge';
    const { location, errors } = await locateOnline('8.8.8.8');
    assert.equal(location.countryCode, 'US', 'the offline country');
    assert.match(errors[0] ?? '', new RegExp(`an answer larger than ${MAX_RESPONSE_BYTES / 1024} KiB`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(hugeBytesSent < HUGE_ANSWER_BYTES / 2, `the server got ${hugeBytesSent} bytes out before the client stopped reading`);
  });

  test('goes through the proxy in force, unless the endpoint is in noProxy', async () => {
    const connects: string[] = [];
    const proxy = createServer((socket) => {
      socket.once('data', (head: Buffer) => {
        connects.push(head.toString('latin1'));
        // A real tunnel to the provider: the TLS inside fails only because this test's certificate
        // is trusted by the test's own fetch, not by the default one the proxy route uses.
        const upstream = connect(Number(new URL(server.url).port), '127.0.0.1', () => {
          socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
          socket.pipe(upstream).pipe(socket);
        });
        upstream.on('error', () => socket.destroy());
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const through = (noProxy: string[]) =>
        new GeoLocator({
          databasePath: DATABASE,
          onlineLookup: true,
          online: {
            endpoint: server.url,
            proxy: () => ({ https: { url: proxyUrl, credentials: { username: 'geo', password: 'pw' } }, strictSSL: true, noProxy }),
          },
        });
      const proxied = through([]);
      await proxied.locate('8.8.8.8');
      proxied.dispose();
      assert.equal(connects.length, 1);
      assert.match(connects[0]!, new RegExp(`^CONNECT 127\\.0\\.0\\.1:${new URL(server.url).port} HTTP/1\\.1\r\n`));
      assert.match(connects[0]!, new RegExp(`proxy-authorization: Basic ${Buffer.from('geo:pw').toString('base64')}`, 'i'));

      const direct = through(['127.0.0.1']);
      await direct.locate('9.9.9.9');
      direct.dispose();
      assert.equal(connects.length, 1, 'noProxy: straight to the provider');
    } finally {
      proxy.close();
    }
  });

  test('refuses a non-HTTPS endpoint', () => {
    assert.throws(
      () => new GeoLocator({ databasePath: DATABASE, onlineLookup: true, online: { endpoint: 'http://127.0.0.1:1/' } }),
      /only uses HTTPS/,
    );
  });
});
