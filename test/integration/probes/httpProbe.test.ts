/**
 * The HTTP(S) probe against real servers on 127.0.0.1, one per fault class a prober must get
 * right; each case asserts the exact status and reason.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Prober, USER_AGENT } from '../../../src/core/probes/prober';
import type { CheckResult } from '../../../src/core/probes/checkResult';
import { resolveTarget, type TargetEntryObject } from '../../../src/core/targets/target';
import { createSelfSigned, createTestCa } from '../../support/certificates';
import {
  closedPort,
  startHangingServer,
  startHttpServer,
  startHttpsServer,
  startHugeBodyServer,
  startResettingServer,
  startStallingBodyServer,
  startTcpServer,
} from '../../support/servers';

const prober = new Prober();

function check(entry: string | TargetEntryObject, timeoutMs = 3000): Promise<CheckResult> {
  const target = resolveTarget(typeof entry === 'string' ? { url: entry, timeout: timeoutMs } : { timeout: timeoutMs, ...entry });
  if (!target.ok) throw new Error(target.error);
  return prober.check(target.value);
}

function assertPhasesAddUp(result: CheckResult): void {
  const sum = Object.values(result.phases).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - result.totalMs) < 0.01, `phases ${JSON.stringify(result.phases)} sum to ${sum}, total ${result.totalMs}`);
}

describe('HTTP probe', () => {
  let app: Awaited<ReturnType<typeof startHttpServer>>;
  const seenUserAgents: string[] = [];
  const seenRequests: { method: string; body: string; header: string | undefined }[] = [];

  before(async () => {
    app = await startHttpServer((request, response) => {
      seenUserAgents.push(request.headers['user-agent'] ?? '');
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seenRequests.push({ method: request.method ?? '', body, header: request.headers['x-probe'] as string | undefined });
        const url = new URL(request.url ?? '/', 'http://x');
        switch (url.pathname) {
          case '/json':
            response.setHeader('content-type', 'application/json');
            response.end(JSON.stringify({ status: 'ok', checks: [{ name: 'db', healthy: true }] }));
            return;
          case '/fail':
            response.statusCode = 500;
            response.end('internal error');
            return;
          case '/unauthorized':
            response.statusCode = 401;
            response.end();
            return;
          case '/loop-a':
            response.writeHead(302, { location: '/loop-b' }).end();
            return;
          case '/loop-b':
            response.writeHead(301, { location: `${app.origin}/loop-a` }).end();
            return;
          case '/chain': {
            const hops = Number(url.searchParams.get('n') ?? '0');
            if (hops > 0) response.writeHead(302, { location: `/chain?n=${hops - 1}` }).end();
            else response.end('arrived');
            return;
          }
          case '/see-other':
            response.writeHead(303, { location: '/echo' }).end();
            return;
          case '/echo':
            response.end(`${request.method} ${body}`);
            return;
          case '/slow':
            setTimeout(() => response.end('slow but fine'), 150);
            return;
          case '/letters':
            response.end('a'.repeat(200_000));
            return;
          default:
            response.end('hello from the test server');
        }
      });
    });
  });
  after(() => app.close());

  test('a healthy endpoint is UP with its status code, timings that add up and the address', async () => {
    const result = await check(`${app.origin}/`);
    assert.equal(result.status, 'UP');
    assert.equal(result.reason, null);
    assert.equal(result.statusCode, 200);
    assert.deepEqual(result.addresses, ['127.0.0.1']);
    assert.equal(result.tls, null);
    assert.equal(result.phases.tls, 0);
    assert.equal(result.phases.dns, 0, 'an IP literal needs no lookup');
    assert.ok(result.phases.connect > 0 && result.phases.firstByte > 0);
    assertPhasesAddUp(result);
  });

  test('sends the product User-Agent and the configured method, headers and body', async () => {
    seenRequests.length = 0;
    const result = await check({
      url: `${app.origin}/echo`,
      method: 'POST',
      headers: { 'X-Probe': 'yes' },
      body: 'ping',
      bodyContains: 'POST ping',
    });
    assert.equal(result.status, 'UP', result.message);
    assert.equal(seenUserAgents.at(-1), USER_AGENT);
    assert.match(USER_AGENT, /^NetworkMonitor\/\d+\.\d+\.\d+/);
    assert.deepEqual(seenRequests.at(-1), { method: 'POST', body: 'ping', header: 'yes' });
  });

  test('HTTP 500 is DOWN with HTTP_STATUS; accepted codes follow expectStatus', async () => {
    const failed = await check(`${app.origin}/fail`);
    assert.equal(failed.status, 'DOWN');
    assert.equal(failed.reason, 'HTTP_STATUS');
    assert.equal(failed.statusCode, 500);
    assert.match(failed.message, /500/);

    const unauthorizedByDefault = await check(`${app.origin}/unauthorized`);
    assert.equal(unauthorizedByDefault.reason, 'HTTP_STATUS');
    const unauthorizedAccepted = await check({ url: `${app.origin}/unauthorized`, expectStatus: '200-299,401' });
    assert.equal(unauthorizedAccepted.status, 'UP');
  });

  test('a redirect loop is DOWN with REDIRECT_LOOP', async () => {
    const result = await check(`${app.origin}/loop-a`);
    assert.equal(result.status, 'DOWN');
    assert.equal(result.reason, 'REDIRECT_LOOP');
    assertPhasesAddUp(result);
  });

  test('follows up to 10 redirects and gives up after that', async () => {
    const ten = await check({ url: `${app.origin}/chain?n=10`, bodyContains: 'arrived' });
    assert.equal(ten.status, 'UP', ten.message);
    const eleven = await check(`${app.origin}/chain?n=11`);
    assert.equal(eleven.status, 'DOWN');
    assert.equal(eleven.reason, 'REDIRECT_LOOP');
    assert.match(eleven.message, /More than 10 redirects/);
  });

  test('a 303 after a POST is followed with a GET', async () => {
    const result = await check({ url: `${app.origin}/see-other`, method: 'POST', body: 'data', bodyContains: 'GET ' });
    assert.equal(result.status, 'UP', result.message);
  });

  test('body assertions: contains, does not contain, regular expressions', async () => {
    assert.equal((await check({ url: `${app.origin}/`, bodyContains: 'hello' })).status, 'UP');
    const missing = await check({ url: `${app.origin}/`, bodyContains: 'goodbye' });
    assert.equal(missing.status, 'DOWN');
    assert.equal(missing.reason, 'ASSERTION_FAILED');
    assert.match(missing.message, /goodbye/);
    assert.equal((await check({ url: `${app.origin}/`, bodyNotContains: 'error' })).status, 'UP');
    assert.equal((await check({ url: `${app.origin}/`, bodyNotContains: '/TEST\\s+server/i' })).reason, 'ASSERTION_FAILED');
    assert.equal((await check({ url: `${app.origin}/`, bodyContains: '/^hello .* server$/' })).status, 'UP');
  });

  test('a pattern too costly for the body the server sent is stopped, and the check says so', async () => {
    // \pL{1000}\PL costs about 1,000 steps per byte of these 200 KB: seconds if it were let run.
    const result = await check({ url: `${app.origin}/letters`, bodyContains: '/\\pL{1000}\\PL/' }, 10_000);
    assert.equal(result.status, 'DOWN');
    assert.equal(result.reason, 'ASSERTION_FAILED');
    assert.match(
      result.message,
      /^The body was not checked: matching took longer than \d+ ms on this body, so it was stopped \(200000 bytes\)/,
    );
  });

  test('a JSON path must equal the expected value', async () => {
    assert.equal((await check({ url: `${app.origin}/json`, jsonPath: '$.status', equals: 'ok' })).status, 'UP');
    assert.equal((await check({ url: `${app.origin}/json`, jsonPath: '$.checks[0].healthy', equals: true })).status, 'UP');
    const wrong = await check({ url: `${app.origin}/json`, jsonPath: '$.status', equals: 'degraded' });
    assert.equal(wrong.reason, 'ASSERTION_FAILED');
    assert.match(wrong.message, /\$\.status is "ok", expected "degraded"/);
    const absent = await check({ url: `${app.origin}/json`, jsonPath: '$.missing', equals: 1 });
    assert.match(absent.message, /not present/);
    const notJson = await check({ url: `${app.origin}/`, jsonPath: '$.status', equals: 'ok' });
    assert.match(notJson.message, /not valid JSON/);
  });

  test('slower than the latency budget is DEGRADED, not DOWN', async () => {
    const result = await check({ url: `${app.origin}/slow`, latencyBudgetMs: 50 });
    assert.equal(result.status, 'DEGRADED');
    assert.equal(result.reason, 'SLOW');
    assert.equal(result.statusCode, 200);
    const within = await check({ url: `${app.origin}/`, latencyBudgetMs: 2000 });
    assert.equal(within.status, 'UP');
  });

  test('a closed port is CONNECTION_REFUSED', async () => {
    const port = await closedPort();
    const result = await check(`http://127.0.0.1:${port}/`);
    assert.equal(result.status, 'DOWN');
    assert.equal(result.reason, 'CONNECTION_REFUSED');
    assertPhasesAddUp(result);
  });

  test('a server that accepts and never answers is a TIMEOUT at the deadline', async () => {
    const server = await startHangingServer();
    try {
      const result = await check(`http://127.0.0.1:${server.port}/`, 300);
      assert.equal(result.status, 'DOWN');
      assert.equal(result.reason, 'TIMEOUT');
      assert.match(result.message, /300 ms.*waiting for the response/);
      assert.ok(result.totalMs >= 295, `reported ${result.totalMs} ms for a 300 ms deadline`);
      assertPhasesAddUp(result);
    } finally {
      await server.close();
    }
  });

  test('a connection reset is CONNECTION_RESET', async () => {
    const server = await startResettingServer();
    try {
      const result = await check(`http://127.0.0.1:${server.port}/`);
      assert.equal(result.status, 'DOWN');
      assert.equal(result.reason, 'CONNECTION_RESET');
    } finally {
      await server.close();
    }
  });

  test('a body that stalls past the deadline is a TIMEOUT even though the status line said 200', async () => {
    const server = await startStallingBodyServer();
    try {
      const result = await check(`${server.origin}/`, 300);
      assert.equal(result.status, 'DOWN');
      assert.equal(result.reason, 'TIMEOUT');
      assert.equal(result.statusCode, 200);
      assert.match(result.message, /reading the body/);
      assert.ok(result.phases.transfer > 200, 'the stall is charged to the transfer phase');
    } finally {
      await server.close();
    }
  });

  test('a check asks for Connection: close and closes its connection when the response is complete', async () => {
    // A server that keeps every connection open, so only the probe can end it.
    const requests: string[] = [];
    let clientClosed!: () => void;
    const closedByClient = new Promise<void>((resolve) => (clientClosed = resolve));
    const server = await startTcpServer((socket) => {
      let request = '';
      socket.on('data', (chunk: Buffer) => {
        request += chunk.toString('latin1');
        if (!request.includes('\r\n\r\n')) return;
        requests.push(request);
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
      });
      socket.on('end', () => clientClosed());
      socket.on('close', () => clientClosed());
    });
    try {
      const result = await check(`http://127.0.0.1:${server.port}/`);
      assert.equal(result.status, 'UP', result.message);
      assert.equal(requests.length, 1);
      assert.match(requests[0]!, /\r\nconnection: close\r\n/i, 'the server may free the connection at once');
      await closedByClient; // never resolves if the probe left the connection open
    } finally {
      await server.close();
    }
  });

  test('a 1 GB body is read only up to the bound, then the connection is closed', async () => {
    const server = await startHugeBodyServer();
    try {
      const heapBefore = process.memoryUsage().heapUsed;
      const result = await check({ url: `${server.origin}/`, bodyContains: 'xxx' }, 5000);
      assert.equal(result.status, 'UP', result.message);
      assert.match(result.message, /Body larger than 1 MiB/);
      // Give the server a moment to notice the closed connection, then it must have stopped far short of 1 GB.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(server.sentBytes() < 64 * 1024 * 1024, `server pushed ${server.sentBytes()} bytes`);
      assert.ok(process.memoryUsage().heapUsed - heapBefore < 32 * 1024 * 1024, 'memory must not grow with the body');
    } finally {
      await server.close();
    }
  });
});

describe('HTTPS probe', () => {
  const ca = createTestCa();
  const selfSigned = createSelfSigned(['127.0.0.1', 'localhost']);
  const valid = ca.issue({ hosts: ['127.0.0.1', 'localhost'] });
  const servers: { close(): Promise<void> }[] = [];
  after(() => Promise.all(servers.map((server) => server.close())));

  async function serve(credentials: { key: string; cert: string }) {
    const server = await startHttpsServer(credentials, (_request, response) => response.end('secure hello'));
    servers.push(server);
    return server;
  }

  test('a self-signed certificate is TLS_ERROR (self-signed), with the certificate details recorded', async () => {
    const server = await serve(selfSigned);
    const result = await check(`${server.origin}/`);
    assert.equal(result.status, 'DOWN');
    assert.equal(result.reason, 'TLS_ERROR');
    assert.match(result.message, /self-signed/);
    assert.ok(result.tls, 'certificate details are recorded even when verification fails');
    assert.equal(result.tls.authorized, false);
    assert.equal(result.tls.authorizationError, 'self-signed certificate');
    assert.ok(result.phases.tls > 0);
    assertPhasesAddUp(result);
  });

  test('an issuer nobody trusts is TLS_ERROR (untrusted issuer)', async () => {
    const server = await serve(valid);
    const result = await check(`${server.origin}/`);
    assert.equal(result.reason, 'TLS_ERROR');
    assert.match(result.message, /untrusted issuer/);
  });

  test('with verification off the check is UP and still reports subject, issuer and days left', async () => {
    const server = await serve(valid);
    const result = await check({ url: `${server.origin}/`, tlsVerify: false, bodyContains: 'secure hello' });
    assert.equal(result.status, 'UP', result.message);
    assert.ok(result.tls);
    assert.match(result.tls.subject, /127\.0\.0\.1/);
    assert.match(result.tls.issuer, /Network Monitor Test CA/);
    assert.ok(result.tls.daysLeft >= 88 && result.tls.daysLeft <= 90, `daysLeft ${result.tls.daysLeft}`);
    assert.equal(result.tls.authorized, false);
    assert.ok(result.phases.tls > 0 && result.phases.connect > 0);
    assertPhasesAddUp(result);
  });
});
