/**
 * How an HTTPS check reads a proxy's answer to CONNECT, against loopback servers that answer the
 * way broken or refusing proxies do. Each case asserts the reason and that the message names the
 * proxy, so a user knows whether to look at the proxy or at the target.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { Prober } from '../../../src/core/probes/prober';
import type { CheckResult } from '../../../src/core/probes/checkResult';
import { resolveTarget } from '../../../src/core/targets/target';
import { startTcpServer, type RunningServer } from '../../support/servers';

const servers: RunningServer[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

/** A proxy that reads the CONNECT request and then does `answer`; the requests it got are kept. */
async function fakeProxy(answer: (socket: Socket) => void): Promise<{ server: RunningServer; requests: string[] }> {
  const requests: string[] = [];
  const server = await startTcpServer((socket) => {
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!received.includes('\r\n\r\n')) return;
      requests.push(received);
      answer(socket);
    });
    socket.on('error', () => {});
  });
  servers.push(server);
  return { server, requests };
}

function checkThrough(server: RunningServer, timeoutMs = 3000): Promise<CheckResult> {
  const proxy = { url: `http://127.0.0.1:${server.port}`, credentials: { username: 'u', password: 'p' } };
  const target = resolveTarget({ url: 'https://only-the-proxy-knows.test:8443/', timeout: timeoutMs });
  if (!target.ok) throw new Error(target.error);
  return new Prober({ proxy: () => ({ https: proxy, strictSSL: true, noProxy: [] }) }).check(target.value);
}

describe('the answer to CONNECT', () => {
  test("the request names the target and carries the proxy credentials, and nothing else of the target's", async () => {
    const { server, requests } = await fakeProxy((socket) => socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'));
    const result = await checkThrough(server);
    assert.equal(result.status, 'DOWN');
    assert.equal(requests.length, 1);
    const lines = requests[0]!.split('\r\n');
    assert.equal(lines[0], 'CONNECT only-the-proxy-knows.test:8443 HTTP/1.1');
    assert.ok(lines.includes('Host: only-the-proxy-knows.test:8443'));
    assert.ok(lines.includes(`Proxy-Authorization: Basic ${Buffer.from('u:p').toString('base64')}`));
    assert.equal(lines.filter(Boolean).length, 3, requests[0]);
  });

  test("a refusal is ERROR with the proxy's status, and 407 says the credentials were rejected", async () => {
    const refusing = await fakeProxy((socket) => socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
    const refused = await checkThrough(refusing.server);
    assert.equal(refused.reason, 'ERROR');
    assert.match(
      refused.message,
      new RegExp(
        `proxy 127\\.0\\.0\\.1:${refusing.server.port} could not open a tunnel to only-the-proxy-knows\\.test:8443 \\(502 Bad Gateway\\)`,
      ),
    );
    assert.equal(refused.tls, null);

    const asking = await fakeProxy((socket) =>
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"\r\n\r\n'),
    );
    const rejected = await checkThrough(asking.server);
    assert.match(rejected.message, /rejected the stored proxy credentials \(407 Proxy Authentication Required\)/);
  });

  test('something that is not HTTP, an answer without an end, and a proxy that hangs up are each told apart', async () => {
    const garbage = await fakeProxy((socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    assert.match((await checkThrough(garbage.server)).message, /did not answer CONNECT with HTTP \("SSH-2\.0-OpenSSH_9\.2"\)/);

    const endless = await fakeProxy((socket) => socket.write(`HTTP/1.1 200 OK\r\nX-Filler: ${'a'.repeat(20_000)}`));
    assert.match((await checkThrough(endless.server)).message, /answer to CONNECT larger than 16384 bytes/);

    const hangingUp = await fakeProxy((socket) => socket.end());
    const closed = await checkThrough(hangingUp.server);
    assert.equal(closed.status, 'DOWN');
    assert.match(closed.message, /closed the connection instead of answering CONNECT/);
  });

  test('a proxy that never answers is a TIMEOUT while connecting, with the wait charged to connect', async () => {
    const silent = await fakeProxy(() => {});
    const result = await checkThrough(silent.server, 300);
    assert.equal(result.reason, 'TIMEOUT');
    assert.match(result.message, /timed out while connecting/);
    const { dns, connect, tls, firstByte, transfer } = result.phases;
    assert.ok(connect > 0 && dns === 0 && tls === 0 && firstByte === 0 && transfer === 0, JSON.stringify(result.phases));
    assert.ok(result.proxy, 'the route is recorded even when the tunnel never opened');
  });
});
