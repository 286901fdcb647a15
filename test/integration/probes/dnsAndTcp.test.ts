/**
 * Name resolution (against a DNS server the test runs on 127.0.0.1), TCP connect checks, dns://
 * checks, and the accuracy of the reported timing against the server's own measurement.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { Prober } from '../../../src/core/probes/prober';
import { NO_PROXY } from '../../../src/core/probes/proxySettings';
import { DnsResolver } from '../../../src/core/probes/dnsResolver';
import { resolveTarget, type TargetEntry } from '../../../src/core/targets/target';
import { startDnsServer, type TestDnsServer } from '../../support/dnsServer';
import { skipForMissing } from '../../support/testDependencies';
import { closedPort, startDelayServer, startHangingServer, startHttpServer, type RunningServer } from '../../support/servers';

function target(entry: TargetEntry) {
  const resolved = resolveTarget(entry);
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.value;
}

describe('DNS resolution and dns:// checks', () => {
  let dns: TestDnsServer;
  let http: RunningServer;
  before(async () => {
    dns = await startDnsServer({
      'app.monitor.test': { a: ['127.0.0.1'], aaaa: ['::1'], ttl: 1 },
      'long.monitor.test': { a: ['127.0.0.1'], ttl: 3600 },
      'v6only.monitor.test': { aaaa: ['::1'], ttl: 60 },
    });
    http = await startHttpServer((_request, response) => response.end('ok'));
  });
  after(async () => {
    await dns.close();
    await http.close();
  });

  test('a name is looked up once and then served from the cache until its TTL runs out', async () => {
    const prober = new Prober({ dns: { servers: [dns.address] } });
    const app = target(`http://long.monitor.test:${http.port}/`);
    const first = await prober.check(app);
    assert.equal(first.status, 'UP', first.message);
    assert.ok(first.phases.dns > 0, 'the first check measures the lookup');
    assert.deepEqual(first.addresses, ['127.0.0.1']);
    const second = await prober.check(app);
    assert.equal(second.phases.dns, 0, 'a cached answer is not reported as a lookup');
    assert.equal(dns.queries.get('long.monitor.test'), 2, 'one A and one AAAA query, made once');
  });

  test('a record with a 1 s TTL is looked up again after a second', async () => {
    const resolver = new DnsResolver({ servers: [dns.address] });
    const first = await resolver.resolve('app.monitor.test');
    assert.deepEqual(first.addresses, ['127.0.0.1', '::1']);
    assert.equal(first.measured, true);
    assert.equal((await resolver.resolve('app.monitor.test')).measured, false);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await resolver.resolve('app.monitor.test')).measured, true);
  });

  test('a name that does not exist is DNS_ERROR', async () => {
    const prober = new Prober({ dns: { servers: [dns.address] } });
    const result = await prober.check(target(`http://missing.monitor.test:${http.port}/`));
    assert.equal(result.status, 'DOWN');
    assert.equal(result.reason, 'DNS_ERROR');
    assert.match(result.message, /missing\.monitor\.test does not exist/);
    assert.ok(result.phases.dns > 0);
  });

  test('a DNS server that does not answer ends in a TIMEOUT at the check deadline', async () => {
    const silent = await startDnsServer({});
    silent.delayMs = Infinity;
    try {
      const prober = new Prober({ dns: { servers: [silent.address] } });
      const result = await prober.check(target({ url: `http://quiet.monitor.test:${http.port}/`, timeout: 300 }));
      assert.equal(result.status, 'DOWN');
      assert.equal(result.reason, 'TIMEOUT');
      assert.match(result.message, /resolving the name/);
    } finally {
      await silent.close();
    }
  });

  test('dns:// checks resolve A and AAAA every time and report the addresses', async () => {
    const prober = new Prober({ dns: { servers: [dns.address] } });
    const up = await prober.check(target('dns://app.monitor.test'));
    assert.equal(up.status, 'UP', up.message);
    assert.deepEqual(up.addresses, ['127.0.0.1', '::1']);
    assert.ok(up.phases.dns > 0 && up.totalMs === up.phases.dns);
    const again = await prober.check(target('dns://app.monitor.test'));
    assert.ok(again.phases.dns > 0, 'a dns:// check never answers from the cache');
    const v6 = await prober.check(target('dns://v6only.monitor.test'));
    assert.deepEqual(v6.addresses, ['::1']);
    const missing = await prober.check(target('dns://nothing.monitor.test'));
    assert.equal(missing.status, 'DOWN');
    assert.equal(missing.reason, 'DNS_ERROR');
  });
});

describe('TCP connect checks', () => {
  const prober = new Prober();

  test('an open port is UP with the connect time', async () => {
    const server = await startHangingServer();
    try {
      const result = await prober.check(target(`127.0.0.1:${server.port}`));
      assert.equal(result.status, 'UP');
      assert.equal(result.statusCode, null);
      assert.ok(result.phases.connect > 0);
      assert.equal(result.totalMs, result.phases.connect);
    } finally {
      await server.close();
    }
  });

  test('a closed port is CONNECTION_REFUSED', async () => {
    const port = await closedPort();
    const result = await prober.check(target(`tcp://127.0.0.1:${port}`));
    assert.equal(result.status, 'DOWN');
    assert.equal(result.reason, 'CONNECTION_REFUSED');
  });

  test('localhost falls through from 127.0.0.1 to ::1 when only IPv6 listens', async (t) => {
    let server: RunningServer;
    try {
      server = await startHttpServer((_q, s) => s.end('v6'), '::1');
    } catch (error) {
      t.skip(skipForMissing('ipv6', `needs an IPv6 loopback (::1): ${(error as Error).message}`));
      return;
    }
    try {
      const result = await prober.check(target(`http://localhost:${server.port}/`));
      assert.equal(result.status, 'UP', result.message);
    } finally {
      await server.close();
    }
  });
});

/** Keeps the event loop busy, as heavy work elsewhere in the process would. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe('timing accuracy', () => {
  test('a server-side delay of D ms is reported as D ms plus the loopback cost', async () => {
    const delayMs = 80;
    const server = await startDelayServer(delayMs);
    const prober = new Prober();
    const app = target(`${server.origin}/`);
    try {
      await prober.check(app); // warm up code paths
      server.serverTimes.length = 0;
      const excess: number[] = [];
      for (let i = 0; i < 15; i++) {
        const result = await prober.check(app);
        assert.equal(result.status, 'UP');
        const serverTime = server.serverTimes.at(-1)!;
        excess.push(result.totalMs - serverTime);
        assert.ok(result.totalMs >= serverTime, `reported ${result.totalMs} ms, server spent ${serverTime} ms`);
        assert.ok(result.phases.firstByte >= delayMs - 1, `first byte ${result.phases.firstByte} ms for an ${delayMs} ms delay`);
      }
      excess.sort((a, b) => a - b);
      const median = excess[Math.floor(excess.length / 2)]!;
      // The loopback cost (connect, request and response on 127.0.0.1) is a few ms at most even on a
      // busy machine; a probe that mis-measured would be off by a whole phase.
      assert.ok(median < 15, `median excess over the server's own time: ${median.toFixed(2)} ms`);
    } finally {
      await server.close();
    }
  });

  test('work on the event loop after the response was read is not counted in the time', async () => {
    const server = await startHttpServer((_request, response) => response.end('ok'));
    // undici announces the headers after it has read and parsed them; the loop is blocked right there.
    let blockedAt = Infinity;
    const blockAfterRead = (): void => {
      blockedAt = performance.now();
      blockEventLoop(200);
    };
    subscribe('undici:request:headers', blockAfterRead);
    try {
      const before = performance.now();
      const result = await new Prober().check(target(`${server.origin}/`));
      assert.equal(result.status, 'UP', result.message);
      // The clock started after `before`; the last byte must be stamped before the loop was blocked.
      assert.ok(result.totalMs <= blockedAt - before, `reported ${result.totalMs} ms, the loop was blocked ${blockedAt - before} ms in`);
    } finally {
      unsubscribe('undici:request:headers', blockAfterRead);
      await server.close();
    }
  });

  test("the clock starts as the check's first byte moves, not before the work that prepares it", async () => {
    const server = await startHttpServer((_request, response) => response.end('ok'));
    try {
      // The proxy settings are read at the start of every check; reading them slowly is our time, not the target's.
      let preparedAt = 0;
      const prober = new Prober({
        proxy: () => {
          blockEventLoop(200);
          preparedAt = performance.now();
          return NO_PROXY;
        },
      });
      const result = await prober.check(target(`${server.origin}/`));
      const after = performance.now();
      assert.equal(result.status, 'UP', result.message);
      assert.ok(
        result.totalMs <= after - preparedAt,
        `reported ${result.totalMs} ms, only ${after - preparedAt} ms passed after the preparation`,
      );
    } finally {
      await server.close();
    }
  });
});
