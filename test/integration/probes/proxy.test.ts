/**
 * HTTP(S) checks through a real Squid on 127.0.0.1. The proxy alone knows the name
 * `proxy-only.test` (from its hosts file); the probe's own resolver asks a loopback DNS server
 * that knows nothing, so a check of that name can only be UP through the proxy.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer as createTlsProxy } from 'node:https';
import { connect as connectTcp, type Socket } from 'node:net';
import { Prober } from '../../../src/core/probes/prober';
import type { CheckResult } from '../../../src/core/probes/checkResult';
import type { ProxySettings } from '../../../src/core/probes/proxySettings';
import { resolveTarget, type TargetEntryObject } from '../../../src/core/targets/target';
import { createSelfSigned, createTestCa } from '../../support/certificates';
import { startDnsServer, type TestDnsServer } from '../../support/dnsServer';
import { startHttpServer, startHttpsServer, type RunningServer } from '../../support/servers';
import { editorProxySettings, type StoredProxyCredentials } from '../../../src/vscode/config/proxyEntries';
import { jsonLines, runCli } from '../../support/cli';
import { squidUnavailable, startSquid, type RunningSquid } from '../../support/squidProxy';

const PROXY_ONLY_NAME = 'proxy-only.test';
const USER = { name: 'monitor', password: 'proxy s3cret:with colon' };
const skip = squidUnavailable() ?? false;

function assertPhasesAddUp(result: CheckResult): void {
  const sum = Object.values(result.phases).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - result.totalMs) < 0.01, `phases ${JSON.stringify(result.phases)} sum to ${sum}, total ${result.totalMs}`);
}

describe('checks through a real proxy (squid)', { skip }, () => {
  const ca = createTestCa();
  const certificate = ca.issue({ hosts: [PROXY_ONLY_NAME] });
  let dns: TestDnsServer;
  let http: RunningServer;
  let otherHttp: RunningServer;
  let https: RunningServer;
  let open: RunningSquid;
  let guarded: RunningSquid;
  /** What the target servers received, to see which requests came through the proxy and what they carried. */
  const seen: { server: string; url: string; headers: IncomingHttpHeaders }[] = [];

  before(async () => {
    dns = await startDnsServer({});
    otherHttp = await startHttpServer((request, response) => {
      seen.push({ server: 'other', url: request.url ?? '', headers: request.headers });
      response.end('other origin');
    });
    http = await startHttpServer((request, response) => {
      seen.push({ server: 'http', url: request.url ?? '', headers: request.headers });
      if (request.url === '/elsewhere') {
        response.writeHead(302, { location: `http://${PROXY_ONLY_NAME}:${otherHttp.port}/landed` }).end();
        return;
      }
      response.end('plain hello');
    });
    https = await startHttpsServer(certificate, (request, response) => {
      seen.push({ server: 'https', url: request.url ?? '', headers: request.headers });
      response.end('secure hello');
    });
    open = await startSquid({ hosts: { [PROXY_ONLY_NAME]: '127.0.0.1' } });
    guarded = await startSquid({ hosts: { [PROXY_ONLY_NAME]: '127.0.0.1' }, user: USER });
  });
  after(async () => {
    await Promise.all([open?.close(), guarded?.close(), http?.close(), otherHttp?.close(), https?.close(), dns?.close()]);
  });

  function prober(proxy: ProxySettings | undefined): Prober {
    return new Prober({ dns: { servers: [dns.address] }, ...(proxy ? { proxy: () => proxy } : {}) });
  }

  function through(squid: RunningSquid, extra: Partial<ProxySettings> = {}, withCredentials = false): ProxySettings {
    const server = { url: squid.url, ...(withCredentials ? { credentials: { username: USER.name, password: USER.password } } : {}) };
    return { http: server, https: server, strictSSL: true, noProxy: [], ...extra };
  }

  function check(using: Prober, entry: TargetEntryObject): Promise<CheckResult> {
    const target = resolveTarget({ timeout: 5000, ...entry });
    if (!target.ok) throw new Error(target.error);
    return using.check(target.value);
  }

  test('without the proxy, the name only the proxy knows does not resolve', async () => {
    const result = await check(prober(undefined), { url: `http://${PROXY_ONLY_NAME}:${http.port}/` });
    assert.equal(result.status, 'DOWN');
    assert.equal(result.reason, 'DNS_ERROR');
  });

  test('an HTTP target is UP through the proxy, asked for in absolute form, with the proxy connect timed', async () => {
    const before = open.accessLog().length;
    const result = await check(prober(through(open)), {
      url: `http://${PROXY_ONLY_NAME}:${http.port}/plain?x=1`,
      bodyContains: 'plain hello',
    });
    assert.equal(result.status, 'UP', result.message);
    assert.equal(result.statusCode, 200);
    assert.ok(result.proxy, 'the result says it went through the proxy');
    assert.equal(result.proxy.url, open.url);
    assert.ok(result.proxy.connectMs > 0);
    assert.equal(result.proxy.tunnelMs, 0);
    assert.equal(result.phases.tls, 0);
    assert.deepEqual(result.addresses, [], 'the proxy resolved the name, so no address of ours is claimed');
    assertPhasesAddUp(result);
    assert.ok(await open.waitForLogLine(`GET http://${PROXY_ONLY_NAME}:${http.port}/plain?x=1`, before), open.accessLog().join('\n'));
    const request = seen.findLast((entry) => entry.server === 'http' && entry.url === '/plain?x=1');
    assert.ok(request?.headers.via, 'the target saw the proxy on the way');
    assert.equal(request.headers.host, `${PROXY_ONLY_NAME}:${http.port}`);
  });

  test("an HTTPS target is UP through a CONNECT tunnel, with TLS inside it and the target's certificate read", async () => {
    const before = open.accessLog().length;
    const result = await check(prober(through(open)), {
      url: `https://${PROXY_ONLY_NAME}:${https.port}/secure`,
      tlsVerify: false,
      bodyContains: 'secure hello',
    });
    assert.equal(result.status, 'UP', result.message);
    assert.ok(result.proxy);
    assert.ok(result.proxy.connectMs > 0 && result.proxy.tunnelMs > 0, JSON.stringify(result.proxy));
    assert.ok(result.phases.connect >= result.proxy.connectMs + result.proxy.tunnelMs - 0.01);
    assert.ok(result.phases.tls > 0);
    assert.ok(result.tls);
    assert.match(result.tls.subject, /proxy-only\.test/);
    assert.match(result.tls.issuer, /Network Monitor Test CA/);
    assert.equal(result.tls.authorizationError, 'untrusted issuer: the certificate chain does not lead to a trusted CA');
    assertPhasesAddUp(result);
    assert.ok(await open.waitForLogLine(`CONNECT ${PROXY_ONLY_NAME}:${https.port}`, before), open.accessLog().join('\n'));
    const request = seen.findLast((entry) => entry.server === 'https' && entry.url === '/secure');
    assert.equal(request?.headers.via, undefined, 'inside the tunnel the proxy cannot touch the request');
  });

  test('the certificate inside the tunnel is still verified', async () => {
    const result = await check(prober(through(open)), { url: `https://${PROXY_ONLY_NAME}:${https.port}/` });
    assert.equal(result.status, 'DOWN');
    assert.equal(result.reason, 'TLS_ERROR');
    assert.match(result.message, /untrusted issuer/);
  });

  test('a target in noProxy bypasses the proxy: by address, by host and port, and by domain suffix', async () => {
    for (const noProxy of [['127.0.0.1'], [`127.0.0.1:${http.port}`], ['*']]) {
      const before = open.accessLog().length;
      const result = await check(prober(through(open, { noProxy })), { url: `http://127.0.0.1:${http.port}/direct` });
      assert.equal(result.status, 'UP', result.message);
      assert.equal(result.proxy, undefined, `noProxy ${noProxy.join(',')}`);
      assert.deepEqual(result.addresses, ['127.0.0.1']);
      const logged = open
        .accessLog()
        .slice(before)
        .filter((line) => line.includes('/direct'));
      assert.deepEqual(logged, [], `noProxy ${noProxy.join(',')}: the proxy saw nothing`);
      assert.equal(seen.findLast((entry) => entry.url === '/direct')?.headers.via, undefined);
    }
    // Another port of the same host is not covered by host:port, so it goes through the proxy.
    const viaProxy = await check(prober(through(open, { noProxy: ['127.0.0.1:1'] })), { url: `http://127.0.0.1:${http.port}/direct` });
    assert.equal(viaProxy.status, 'UP', viaProxy.message);
    assert.ok(viaProxy.proxy);
    // Bypassed by its suffix, the proxy-only name is resolved by us, which cannot.
    const bypassed = await check(prober(through(open, { noProxy: ['.test'] })), {
      url: `https://${PROXY_ONLY_NAME}:${https.port}/`,
      tlsVerify: false,
    });
    assert.equal(bypassed.reason, 'DNS_ERROR');
  });

  test('a proxy that asks for credentials: 407 without them, UP with them, and they never reach the target', async () => {
    const plainUrl = `http://${PROXY_ONLY_NAME}:${http.port}/guarded`;
    const secureUrl = `https://${PROXY_ONLY_NAME}:${https.port}/guarded`;

    const refused = await check(prober(through(guarded)), { url: plainUrl });
    assert.equal(refused.status, 'DOWN');
    assert.equal(refused.statusCode, 407);
    const refusedTunnel = await check(prober(through(guarded)), { url: secureUrl, tlsVerify: false });
    assert.equal(refusedTunnel.status, 'DOWN');
    assert.match(refusedTunnel.message, /asks for credentials \(407/);

    const withCredentials = prober(through(guarded, {}, true));
    const plain = await check(withCredentials, { url: plainUrl });
    assert.equal(plain.status, 'UP', plain.message);
    const secure = await check(withCredentials, { url: secureUrl, tlsVerify: false });
    assert.equal(secure.status, 'UP', secure.message);
    assert.ok(
      guarded.accessLog().some((line) => line.includes(` ${USER.name} `)),
      'the proxy logged the user it authenticated',
    );

    const wrong = await check(
      prober({ ...through(guarded), http: { url: guarded.url, credentials: { username: USER.name, password: 'wrong' } } }),
      { url: plainUrl },
    );
    assert.equal(wrong.statusCode, 407);

    const atTargets = seen.filter((entry) => entry.url === '/guarded');
    assert.ok(atTargets.length >= 2);
    for (const entry of atTargets)
      assert.equal(entry.headers['proxy-authorization'], undefined, `${entry.server} got no proxy credentials`);
  });

  test('a redirect to another origin goes through the proxy too, and its target gets no proxy credentials either', async () => {
    const result = await check(prober(through(guarded, {}, true)), {
      url: `http://${PROXY_ONLY_NAME}:${http.port}/elsewhere`,
      bodyContains: 'other origin',
    });
    assert.equal(result.status, 'UP', result.message);
    const landed = seen.findLast((entry) => entry.server === 'other' && entry.url === '/landed');
    assert.ok(landed?.headers.via, 'the second hop went through the proxy');
    assert.equal(landed.headers['proxy-authorization'], undefined);
  });

  test('a proxy that is not there is CONNECTION_REFUSED, naming the proxy', async () => {
    const gone = { url: 'http://127.0.0.1:1' };
    const result = await check(prober({ http: gone, https: gone, strictSSL: true, noProxy: [] }), {
      url: `https://${PROXY_ONLY_NAME}:${https.port}/`,
    });
    assert.equal(result.status, 'DOWN');
    assert.equal(result.reason, 'CONNECTION_REFUSED');
    assert.match(result.message, /the proxy 127\.0\.0\.1:1/);
  });

  test('the CLI takes its proxy and its credentials from https_proxy / HTTP_PROXY and bypasses NO_PROXY', async () => {
    const before = guarded.accessLog().length;
    const withCredentials = `http://${USER.name}:${encodeURIComponent(USER.password)}@127.0.0.1:${guarded.port}`;
    const run = await runCli(
      [
        'check',
        '--insecure',
        `http://${PROXY_ONLY_NAME}:${http.port}/cli`,
        `https://${PROXY_ONLY_NAME}:${https.port}/cli`,
        `http://127.0.0.1:${http.port}/cli-direct`,
      ],
      { env: { HTTP_PROXY: withCredentials, https_proxy: withCredentials, NO_PROXY: 'localhost, 127.0.0.1' } },
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const [plain, secure, direct] = jsonLines(run.stdout);
    assert.deepEqual(plain?.proxy && Object.keys(plain.proxy as object), ['url', 'connectMs', 'tunnelMs']);
    assert.equal((plain!.proxy as { url: string }).url, guarded.url, 'the credentials are not in the output');
    assert.ok(secure?.proxy);
    assert.equal(direct?.proxy, undefined);
    assert.doesNotMatch(run.stdout + run.stderr, /s3cret/);
    assert.ok(
      await guarded.waitForLogLine(`CONNECT ${PROXY_ONLY_NAME}:${https.port} ${USER.name} `, before),
      guarded.accessLog().join('\n'),
    );
    assert.deepEqual(
      guarded
        .accessLog()
        .slice(before)
        .filter((line) => line.includes('/cli-direct')),
      [],
    );
    for (const entry of seen.filter((candidate) => candidate.url.startsWith('/cli')))
      assert.equal(entry.headers['proxy-authorization'], undefined);
  });

  test("the editor's settings: credentials stored for this proxy reach it; stored for another origin, they are not sent", async () => {
    const values = { proxy: guarded.url, strictSSL: true, noProxy: [], support: 'override' };
    const storedFor = (origin: string): StoredProxyCredentials => ({ origin, username: USER.name, password: USER.password });
    const url = `https://${PROXY_ONLY_NAME}:${https.port}/editor`;

    const bound = editorProxySettings(values, {}, (origin) => storedFor(origin)).settings;
    const up = await check(prober(bound), { url, tlsVerify: false });
    assert.equal(up.status, 'UP', up.message);

    const header = `Basic ${Buffer.from(`${USER.name}:${USER.password}`).toString('base64')}`;
    const fromSetting = editorProxySettings({ ...values, authorization: header }, {}, () => undefined).settings;
    const upWithSetting = await check(prober(fromSetting), { url: `http://${PROXY_ONLY_NAME}:${http.port}/editor` });
    assert.equal(upWithSetting.status, 'UP', `http.proxyAuthorization: ${upWithSetting.message}`);

    // Stored for the same host on another port: another origin, so the proxy gets nothing.
    const elsewhere = editorProxySettings(values, {}, () => storedFor(`http://127.0.0.1:${open.port}`)).settings;
    const refused = await check(prober(elsewhere), { url, tlsVerify: false });
    assert.equal(refused.status, 'DOWN');
    assert.match(refused.message, /asks for credentials/);
  });
});

/**
 * An https:// proxy (TLS to the proxy, then CONNECT, then TLS to the target inside): Squid from
 * Debian speaks no TLS on its port, so this one is a few lines of Node that only tunnel.
 */
describe('checks through an https:// proxy', () => {
  const proxyCertificate = createSelfSigned(['127.0.0.1']);
  const targetCertificate = createTestCa().issue({ hosts: ['127.0.0.1'] });
  let target: RunningServer;
  let proxyPort = 0;
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const proxy = createTlsProxy({ key: proxyCertificate.key, cert: proxyCertificate.cert });
  proxy.on('connect', (request: { url?: string }, client: Socket, head: Buffer) => {
    tunnels.push(request.url ?? '');
    sockets.add(client);
    const [, port] = /:(\d+)$/.exec(request.url ?? '') ?? [];
    const upstream = connectTcp({ host: '127.0.0.1', port: Number(port) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    sockets.add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', close);
    client.on('error', close);
  });

  before(async () => {
    target = await startHttpsServer(targetCertificate, (_request, response) => response.end('through tls'));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyPort = (proxy.address() as { port: number }).port;
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await target.close();
  });

  function checkThrough(strictSSL: boolean): Promise<CheckResult> {
    const server = { url: `https://127.0.0.1:${proxyPort}` };
    const resolved = resolveTarget({ url: `${target.origin}/`, timeout: 5000, tlsVerify: false, bodyContains: 'through tls' });
    if (!resolved.ok) throw new Error(resolved.error);
    return new Prober({ proxy: () => ({ https: server, strictSSL, noProxy: [] }) }).check(resolved.value);
  }

  test('with http.proxyStrictSSL on, a proxy whose certificate does not verify is TLS_ERROR naming the proxy', async () => {
    const result = await checkThrough(true);
    assert.equal(result.status, 'DOWN');
    assert.equal(result.reason, 'TLS_ERROR');
    assert.match(result.message, /proxy 127\.0\.0\.1:\d+ rejected: self-signed/);
  });

  test("with it off, the tunnel runs inside TLS to the proxy and the target's own certificate is read", async () => {
    const before = tunnels.length;
    const result = await checkThrough(false);
    assert.equal(result.status, 'UP', result.message);
    assert.deepEqual(tunnels.slice(before), [`127.0.0.1:${target.port}`]);
    assert.match(result.tls?.issuer ?? '', /Network Monitor Test CA/, "the certificate is the target's, not the proxy's");
    assert.ok(result.proxy && result.proxy.connectMs > 0 && result.proxy.tunnelMs > 0);
    assertPhasesAddUp(result);
  });
});
