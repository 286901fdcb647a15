/**
 * The local API over real HTTP on 127.0.0.1, answering from a real store filled by real checks of
 * loopback sites: every endpoint (validated against the OpenAPI document), the token, the Host
 * check, CORS, bad parameters, size and time limits, a read-only window, and a few hundred fuzzed
 * requests that must never produce a 500.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createApiDataSource } from '../../../src/core/api/apiDataSource';
import { ApiPortInUseError } from '../../../src/core/api/apiErrors';
import { ApiServer, type ApiServerOptions } from '../../../src/core/api/apiServer';
import openApiDocument from '../../../src/core/api/openapi.json';
import { createIdentifyNonce, identityProof } from '../../../src/core/api/identityChallenge';
import { createApiToken } from '../../../src/core/api/requestGuards';
import { HistoryFollower } from '../../../src/core/store/historyFollower';
import type { Target } from '../../../src/core/targets/target';
import {
  call,
  type CallOptions,
  closedPort,
  ControlledSite,
  type MonitoringStack,
  startMonitoringStack,
  targetFrom,
  tempDirectory,
} from './apiTestSupport';
import { type OpenApiDocument, OpenApiValidator } from './openApiValidator';
import { createSeededRandom } from '../../../src/core/anomaly/seededRandom';

const validator = new OpenApiValidator(openApiDocument as unknown as OpenApiDocument);
const QUOTED_NAME = 'Say "hi" \\ back\nslash';

interface StatusBody {
  targets: string[];
  current_status: Record<string, Record<string, unknown>>;
  stats: Record<string, Record<string, unknown>>;
  writer: boolean;
}

/** Sends raw bytes and collects what comes back until the server closes (bounded by `timeoutMs`). */
function rawExchange(port: number, bytes: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`));
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

describe('local API against a real monitor', () => {
  const directory = tempDirectory();
  const token = createApiToken();
  let site: ControlledSite;
  let stack: MonitoringStack;
  let server: ApiServer;
  let port: number;
  let up: Target;
  let down: Target;
  let quoted: Target;
  let paused: Target;
  const extraServers: ApiServer[] = [];
  /** Documented operations that answered 200 and conformed, to prove every one was exercised. */
  const covered = new Set<string>();

  async function api(options: CallOptions & { port?: number; validate?: boolean }): Promise<Awaited<ReturnType<typeof call>>> {
    const response = await call(options.port ?? port, { token, ...options });
    if (options.validate !== false) {
      const path = options.path.split('?')[0]!;
      const errors = validator.validate(options.method ?? 'GET', path, response.status, response.headers['content-type'], response.text);
      assert.deepEqual(errors, [], `response does not match the OpenAPI document:\n${errors.join('\n')}`);
      const template = validator.templateFor(path);
      if (response.status === 200 && template) covered.add(`${(options.method ?? 'GET').toUpperCase()} ${template}`);
    }
    return response;
  }

  async function extraServer(options: Partial<ApiServerOptions>): Promise<number> {
    const extra = new ApiServer({ port: 0, token, allowUnauthenticatedMetrics: false, source: stack.source, statusCacheMs: 0, ...options });
    extraServers.push(extra);
    return (await extra.start()).port;
  }

  before(async () => {
    site = await ControlledSite.start();
    up = targetFrom({ url: site.url('/up'), id: 'up', name: 'Up site' });
    quoted = targetFrom({ url: site.url('/quoted'), id: 'quoted', name: QUOTED_NAME });
    down = targetFrom({ url: `http://127.0.0.1:${await closedPort()}/`, id: 'down', name: 'Refusing site' });
    paused = targetFrom({ url: site.url('/paused'), id: 'paused', paused: true });
    stack = await startMonitoringStack(directory.path, [up, quoted, down, paused]);
    await stack.checkAll();
    await stack.checkAll();
    // A third check of `up` recorded as an anomaly: the real result, scored as the detector would.
    const last = stack.store.latest('up')!;
    stack.store.append({ ...last, startedAt: last.startedAt + 1, anomalyScore: 0.99 });
    // A real check of `quoted` from three hours ago, so raw history has to reach back for it.
    const quotedLast = stack.store.latest('quoted')!;
    stack.store.append({ ...quotedLast, startedAt: quotedLast.startedAt - 3 * 3_600_000 });
    await stack.store.flush();
    server = new ApiServer({ port: 0, token, allowUnauthenticatedMetrics: false, source: stack.source, statusCacheMs: 0 });
    ({ port } = await server.start());
  });

  after(async () => {
    for (const extra of extraServers) await extra.dispose();
    await server.dispose();
    await stack.dispose();
    await site.close();
    directory.remove();
  });

  it('answers /api/status in the seed shape with what the monitor recorded', async () => {
    const response = await api({ path: '/api/status' });
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.equal(response.headers['access-control-allow-origin'], undefined);
    const body = response.json() as StatusBody;
    assert.deepEqual(body.targets, [up.url, quoted.url, down.url, paused.url]);
    assert.equal(body.writer, true);

    const upNow = body.current_status[up.url]!;
    assert.equal(upNow.status, 'UP');
    assert.equal(upNow.status_code, 200);
    assert.ok((upNow.response_time as number) > 0);
    assert.equal(upNow.anomaly_score, 0.99);
    assert.equal(Date.parse(upNow.timestamp as string), stack.store.latest('up')!.startedAt);
    const upStats = body.stats[up.url]!;
    assert.equal(upStats.availability, 100);
    assert.equal(upStats.anomalies, 1);
    const [min, mean, p95, max] = [upStats.min_response, upStats.mean_response, upStats.p95_response, upStats.max_response] as number[];
    assert.ok(min! > 0 && min! <= mean! && mean! <= max! && p95! <= max!, `min ${min} mean ${mean} p95 ${p95} max ${max}`);

    const downNow = body.current_status[down.url]!;
    assert.equal(downNow.status, 'DOWN');
    assert.equal(downNow.reason, 'CONNECTION_REFUSED');
    assert.equal(downNow.status_code, null);
    assert.equal(body.stats[down.url]!.availability, 0);
    assert.equal(body.stats[down.url]!.mean_response, null);

    assert.equal(body.current_status[paused.url]!.status, 'PAUSED');
    assert.equal(body.current_status[paused.url]!.timestamp, null);
    assert.equal(body.stats[paused.url]!.availability, null);
  });

  it('takes the stats window from ?window= and refuses an unknown one', async () => {
    const body = (await api({ path: '/api/status?window=1h' })).json() as StatusBody;
    assert.equal(body.stats[up.url]!.window, '1h');
    const bad = await api({ path: '/api/status?window=2h' });
    assert.equal(bad.status, 400);
    assert.match((bad.json() as { message: string }).message, /"window" must be one of 1h, 24h, 7d, 30d/);
  });

  it('refuses a missing, wrong or malformed token with a JSON 401', async () => {
    const cases: (string | undefined)[] = [
      undefined,
      `Bearer ${createApiToken()}`,
      'Bearer short',
      `Basic ${token}`,
      `Bearer ${token}x`,
      'Bearer',
      '',
    ];
    for (const authorization of cases) {
      const response = await call(port, { path: '/api/status', headers: authorization === undefined ? {} : { authorization } });
      assert.equal(response.status, 401, `authorization ${JSON.stringify(authorization)}`);
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="network-monitor"');
      const body = response.json() as { error: string; message: string };
      assert.equal(body.error, 'unauthorized');
      assert.match(body.message, /Authorization: Bearer/);
    }
    const lowerCase = await call(port, { path: '/api/status', headers: { authorization: `bearer ${token}` } });
    assert.equal(lowerCase.status, 200, 'the auth scheme is case-insensitive (RFC 7235)');
  });

  it('refuses a foreign or missing Host header with 403 before looking at the token', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `localhost:${port + 1}`,
      '127.0.0.1',
      `127.0.0.2:${port}`,
      `[::1]:${port}`,
      `localhost.:${port}`,
    ]) {
      for (const withToken of [true, false]) {
        const response = await call(port, { path: '/api/status', host, token: withToken ? token : undefined });
        assert.equal(response.status, 403, `Host ${host}`);
        assert.equal((response.json() as { error: string }).error, 'forbidden_host');
        assert.doesNotMatch(response.text, /current_status/);
      }
    }
    for (const host of [`localhost:${port}`, `LOCALHOST:${port}`, `127.0.0.1:${port}`]) {
      assert.equal((await call(port, { path: '/api/status', host, token })).status, 200, `Host ${host}`);
    }
    // HTTP/1.0 allows no Host at all; such a request cannot prove where it was sent.
    const raw = await rawExchange(port, `GET /api/status HTTP/1.0\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    assert.match(raw, /^HTTP\/1\.1 403 /);
  });

  it('sends no CORS headers unless an origin is configured, and then only to that origin', async () => {
    const plain = await call(port, { path: '/api/status', token, headers: { origin: 'http://localhost:3000' } });
    assert.equal(plain.status, 200);
    assert.deepEqual(
      Object.keys(plain.headers).filter((name) => name.startsWith('access-control-')),
      [],
    );
    const plainPreflight = await call(port, {
      method: 'OPTIONS',
      path: '/api/status',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'GET' },
    });
    assert.equal(plainPreflight.status, 401);
    assert.equal(plainPreflight.headers['access-control-allow-origin'], undefined);

    const corsPort = await extraServer({ corsOrigin: 'http://localhost:3000' });
    const allowed = await call(corsPort, { path: '/api/status', token, headers: { origin: 'http://localhost:3000' } });
    assert.equal(allowed.headers['access-control-allow-origin'], 'http://localhost:3000');
    assert.equal(allowed.headers.vary, 'Origin');
    const other = await call(corsPort, { path: '/api/status', token, headers: { origin: 'http://evil.example' } });
    assert.equal(other.status, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const preflight = await call(corsPort, {
      method: 'OPTIONS',
      path: '/api/status',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'http://localhost:3000');
    assert.match(String(preflight.headers['access-control-allow-headers']), /Authorization/);
    const otherPreflight = await call(corsPort, {
      method: 'OPTIONS',
      path: '/api/status',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(otherPreflight.status, 401);

    for (const origin of ['*', 'http://localhost:3000/', 'localhost:3000', 'file:///x']) {
      assert.throws(
        () => new ApiServer({ port: 0, token, allowUnauthenticatedMetrics: false, source: stack.source, corsOrigin: origin }),
        /is not an origin/,
        origin,
      );
    }
  });

  it('serves one target history by id or by URL-encoded URL, raw or summarised', async () => {
    const byId = await api({ path: '/api/history/up?resolution=raw' });
    assert.equal(byId.status, 200);
    const raw = byId.json() as { target: { id: string }; resolution: string; points: { status: string; anomaly_score: number | null }[] };
    assert.equal(raw.target.id, 'up');
    assert.equal(raw.resolution, 'raw');
    assert.equal(raw.points.length, 3, 'two real checks and the anomalous one');
    assert.deepEqual(
      raw.points.map((point) => point.anomaly_score !== null && point.anomaly_score >= 0.99),
      [false, false, true],
    );

    const byUrl = await api({ path: `/api/history/${encodeURIComponent(up.url)}?resolution=raw&limit=2` });
    const limited = byUrl.json() as { target: { id: string }; truncated: boolean; points: unknown[] };
    assert.equal(limited.target.id, 'up');
    assert.equal(limited.points.length, 2);
    assert.equal(limited.truncated, true);

    const reachingBack = (await api({ path: '/api/history/quoted?resolution=raw&limit=5' })).json() as {
      truncated: boolean;
      points: { timestamp_ms: number }[];
    };
    assert.equal(reachingBack.points.length, 3, 'the two recent checks and the one from three hours ago');
    assert.equal(reachingBack.truncated, false);
    assert.ok(reachingBack.points[0]!.timestamp_ms < Date.now() - 2 * 3_600_000);

    const summary = (await api({ path: '/api/history/down' })).json() as { points: { checks: number; down: number }[] };
    assert.equal(
      summary.points.reduce((sum, point) => sum + point.checks, 0),
      2,
    );
    assert.equal(
      summary.points.reduce((sum, point) => sum + point.down, 0),
      2,
    );
    const hourly = (await api({ path: `/api/history/up?resolution=hour&from=${Date.now() - 6 * 3_600_000}` })).json() as {
      resolution: string;
    };
    assert.ok(['hour', 'minute', 'raw'].includes(hourly.resolution));
  });

  it('answers a JSON 404 for an unknown target and a 400 naming each bad parameter', async () => {
    const unknown = await api({ path: '/api/history/nope' });
    assert.equal(unknown.status, 404);
    assert.match((unknown.json() as { message: string }).message, /No target has the id or URL "nope"/);
    const badCases: [string, RegExp][] = [
      ['/api/history/up?from=yesterday', /"from" must be epoch milliseconds or an ISO 8601 date/],
      ['/api/history/up?to=2026-13-45', /"to" must be/],
      ['/api/history/up?from=2000&to=1000', /"from" \(2000\) must be earlier than "to" \(1000\)/],
      ['/api/history/up?limit=0', /"limit" must be a whole number from 1 to 10000/],
      ['/api/history/up?limit=1e3', /"limit"/],
      ['/api/history/up?resolution=second', /"resolution" must be one of auto, raw, minute, hour, day/],
      ['/api/history/%E0%A4%A', /malformed percent-escape/],
      ['/api/anomalies?min_score=2', /"min_score" must be a number from 0 to 1/],
      ['/api/anomalies?limit=-1', /"limit"/],
      ['/api/report?format=xml', /"format" must be one of json, csv/],
    ];
    for (const [path, message] of badCases) {
      const response = await api({ path });
      assert.equal(response.status, 400, path);
      const body = response.json() as { error: string; message: string };
      assert.equal(body.error, 'bad_request');
      assert.match(body.message, message, path);
    }
    const unknownPath = await api({ path: '/api/nothing-here' });
    assert.equal(unknownPath.status, 404);
    assert.equal((unknownPath.json() as { error: string }).error, 'not_found');
  });

  it('lists anomalies at or above the threshold, for all targets or one', async () => {
    const all = (await api({ path: '/api/anomalies' })).json() as { anomalies: { id: string; score: number; url: string }[] };
    assert.deepEqual(
      all.anomalies.map((hit) => [hit.id, hit.score, hit.url]),
      [['up', 0.99, up.url]],
    );
    const other = (await api({ path: '/api/anomalies?target=down' })).json() as { anomalies: unknown[] };
    assert.deepEqual(other.anomalies, []);
    const high = (await api({ path: '/api/anomalies?min_score=0.995' })).json() as { anomalies: unknown[] };
    assert.deepEqual(high.anomalies, []);
  });

  it('reports every target as JSON or as the dashboard CSV', async () => {
    const report = (await api({ path: '/api/report' })).json() as {
      targets: { id: string; availability: number | null; anomalies: number; incidents: number; downtime_ms: number }[];
    };
    const byId = new Map(report.targets.map((row) => [row.id, row]));
    assert.equal(byId.get('up')?.availability, 100);
    assert.equal(byId.get('up')?.anomalies, 1);
    assert.equal(byId.get('down')?.availability, 0);
    assert.equal(byId.get('down')?.incidents, 1, 'UNKNOWN to DOWN opened one incident, still going');
    assert.ok((byId.get('down')?.downtime_ms ?? 0) > 0);
    const csv = await api({ path: '/api/report?format=csv' });
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    assert.match(lines[0]!, /^Target,URL,Availability %/);
    assert.equal(lines.length, 1 + 4);
  });

  it('lists the targets with their live state', async () => {
    const body = (await api({ path: '/api/targets' })).json() as {
      targets: { id: string; status: string; paused: boolean; kind: string }[];
    };
    assert.deepEqual(
      body.targets.map((target) => `${target.id}:${target.status}:${target.paused}`),
      ['up:UP:false', 'quoted:UP:false', 'down:DOWN:false', 'paused:PAUSED:true'],
    );
  });

  it('checks a target now on POST, and shows the new result at once', async () => {
    const before = site.hits.get('/up') ?? 0;
    const checked = await api({ method: 'POST', path: '/api/targets/up/check' });
    assert.equal(checked.status, 200);
    assert.equal((checked.json() as { check: { status: string } }).check.status, 'UP');
    assert.equal(site.hits.get('/up'), before + 1);

    site.status = 503;
    try {
      const failing = (await api({ method: 'POST', path: '/api/targets/up/check' })).json() as {
        check: { status: string; reason: string; status_code: number };
      };
      assert.deepEqual([failing.check.status, failing.check.reason, failing.check.status_code], ['DOWN', 'HTTP_STATUS', 503]);
      const status = (await api({ path: '/api/status' })).json() as StatusBody;
      assert.equal(status.current_status[up.url]!.status, 'DOWN');
      // The statistics (cached for 15 s by default) were recomputed for the new check too.
      assert.ok((status.stats[up.url]!.availability as number) < 100, `availability ${status.stats[up.url]!.availability}`);
    } finally {
      site.status = 200;
    }
    await api({ method: 'POST', path: '/api/targets/up/check' });

    const wrongMethod = await api({ path: '/api/targets/up/check' });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.allow, 'POST');
    const unknown = await api({ method: 'POST', path: '/api/targets/nope/check' });
    assert.equal(unknown.status, 404);
    const wrongOnStatus = await api({ method: 'DELETE', path: '/api/status' });
    assert.equal(wrongOnStatus.status, 405);
    assert.equal(wrongOnStatus.headers.allow, 'GET, HEAD');
  });

  it('answers /api/health and serves its own OpenAPI document', async () => {
    const health = (await api({ path: '/api/health' })).json() as {
      status: string;
      writer: boolean;
      targets: number;
      store: { read_only: boolean };
    };
    assert.deepEqual([health.status, health.writer, health.targets, health.store.read_only], ['ok', true, 4, false]);
    const document = (await api({ path: '/api/openapi.json' })).json() as { openapi: string };
    assert.equal(document.openapi, '3.0.3');
    const head = await call(port, { method: 'HEAD', path: '/api/health', token });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
  });

  it('proves who it is to /api/identify without a token, and reveals nothing else', async () => {
    const nonce = createIdentifyNonce();
    const response = await api({ path: `/api/identify?nonce=${nonce}`, token: undefined });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json(), { service: 'network-monitor', proof: identityProof(token, port, nonce) });
    assert.ok(!response.text.includes(token), 'the answer holds the token');
    // The proof is bound to the nonce and to the port: a proof for another nonce or port differs.
    assert.notEqual(identityProof(token, port, createIdentifyNonce()), identityProof(token, port, nonce));
    assert.notEqual(identityProof(token, port + 1, nonce), identityProof(token, port, nonce));
    for (const bad of [
      '',
      'nonce=',
      `nonce=${nonce.slice(1)}`,
      `nonce=${nonce}0`,
      `nonce=${nonce.toUpperCase()}`,
      `nonce=${'g'.repeat(64)}`,
      `nonce=${nonce}&nonce=${nonce}`,
      `nonce=${'%20'.repeat(64)}`,
    ]) {
      const refused = await api({ path: `/api/identify?${bad}`, token: undefined });
      assert.equal(refused.status, 400, `?${bad}: ${refused.text}`);
      assert.equal((refused.json() as { error: string }).error, 'bad_request');
    }
    // The route passes the same guards as every other: a rebinding page's Host is refused.
    assert.equal((await api({ path: `/api/identify?nonce=${nonce}`, token: undefined, host: `evil.example:${port}` })).status, 403);
    assert.equal((await api({ path: '/api/identify', method: 'POST', token: undefined, validate: false })).status, 405);
    // A server without a token cannot prove anything and says so.
    const tokenless = await extraServer({ token: undefined });
    const unavailable = await api({ port: tokenless, path: `/api/identify?nonce=${nonce}`, token: undefined });
    assert.equal(unavailable.status, 503, unavailable.text);
  });

  it('exposes blackbox-exporter metrics with escaped labels, behind the token unless allowed', async () => {
    assert.equal((await api({ path: '/metrics', token: undefined })).status, 401);
    const response = await api({ path: '/metrics' });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const text = response.text;
    const sample = (name: string, id: string, extra = ''): string | undefined =>
      text
        .split('\n')
        .find((line) => line.startsWith(`${name}{`) && line.includes(`id="${id}"`) && line.includes(extra))
        ?.split(' ')
        .pop();
    assert.equal(sample('probe_success', 'up'), '1');
    assert.equal(sample('probe_success', 'down'), '0');
    assert.equal(sample('probe_http_status_code', 'up'), '200');
    assert.equal(sample('probe_http_status_code', 'down'), '0');
    for (const phase of ['resolve', 'connect', 'tls', 'processing', 'transfer'])
      assert.ok(sample('probe_http_duration_seconds', 'up', `phase="${phase}"`) !== undefined, phase);
    assert.ok(Number(sample('probe_duration_seconds', 'up')) > 0);
    assert.equal(sample('networkmonitor_uptime_ratio', 'down', 'window="24h"'), '0');
    assert.equal(sample('networkmonitor_target_paused', 'paused'), '1');
    assert.ok(
      text.includes(`probe_success{target="${quoted.url}",name="Say \\"hi\\" \\\\ back\\nslash",id="quoted"} 1\n`),
      'label values escape quote, backslash and newline',
    );
    for (const family of ['probe_success', 'probe_http_duration_seconds', 'networkmonitor_uptime_ratio']) {
      assert.equal(text.split('\n').filter((line) => line === `# TYPE ${family} gauge`).length, 1, family);
      assert.equal(text.split('\n').filter((line) => line.startsWith(`# HELP ${family} `)).length, 1, family);
    }
    // Every line is a comment or `name{labels} value` (the exposition grammar, simplified).
    for (const line of text.trimEnd().split('\n')) {
      assert.match(line, /^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{([a-z_]+="([^"\\\n]|\\["\\n])*",?)*\})? -?[\d.e+-]+|NaN)$/, line);
    }

    const openPort = await extraServer({ allowUnauthenticatedMetrics: true });
    assert.equal((await call(openPort, { path: '/metrics' })).status, 200);
    assert.equal((await call(openPort, { path: '/api/status' })).status, 401, 'only /metrics is opened');
    assert.equal((await call(openPort, { path: '/metrics', host: 'evil.example' })).status, 403, 'the Host check still applies');
  });

  it('refuses bodies over the limit with 413 and slow requests with 408', async () => {
    const declared = await call(port, { method: 'POST', path: '/api/targets/up/check', token, body: Buffer.alloc(64 * 1024, 'x') });
    assert.equal(declared.status, 413);
    assert.equal((declared.json() as { error: string }).error, 'payload_too_large');

    const chunked = await rawExchange(
      port,
      `POST /api/targets/up/check HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nTransfer-Encoding: chunked\r\n\r\n${'4000\r\n' + 'y'.repeat(0x4000) + '\r\n'}${'10\r\n' + 'z'.repeat(16) + '\r\n'}`,
    );
    assert.match(chunked, /^HTTP\/1\.1 413 /);

    const slowPort = await extraServer({ requestTimeoutMs: 300 });
    const slow = await rawExchange(
      slowPort,
      `POST /api/targets/up/check HTTP/1.1\r\nHost: 127.0.0.1:${slowPort}\r\nAuthorization: Bearer ${token}\r\nContent-Length: 10\r\n\r\nab`,
    );
    assert.match(slow, /^HTTP\/1\.1 408 /);
    assert.match(slow, /"error":"request_timeout"/);
  });

  it('never answers 500 to a few hundred fuzzed paths, methods and headers', async () => {
    const random = createSeededRandom(7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const methods = ['GET', 'GET', 'GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'TRACE'];
    const prefixes = [
      '/',
      '/api/',
      '/api/status',
      '/api/history/',
      '/api/history/up',
      '/api/targets/',
      '/api/targets/up/check',
      '/metrics',
      '/api/anomalies',
      '/api/report',
      '//',
      '/api//history',
    ];
    const pieces = [
      '%',
      '%2',
      '%zz',
      '%00',
      '%2F',
      '..',
      '.',
      '~',
      'up',
      'é',
      '%E2%82%AC',
      '%C0%AF',
      "'",
      '"',
      '<x>',
      ';',
      ',',
      '*',
      '@',
      '!',
      '$',
      '(',
      ')',
      ' ',
      '+',
      '\\',
    ];
    const params = ['from', 'to', 'limit', 'resolution', 'window', 'min_score', 'format', 'target', 'x'];
    const values = [
      '',
      '0',
      '-1',
      '1e309',
      'NaN',
      '99999999999999999999',
      '2026-02-30',
      'raw',
      'csv',
      '%',
      '%ff',
      'up',
      '[]',
      '{}',
      'a'.repeat(300),
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      let path = pick(prefixes);
      const segments = random() < 0.5 ? 0 : 1 + Math.floor(random() * 3);
      for (let s = 0; s < segments; s++) path += (random() < 0.5 ? '/' : '') + pick(pieces);
      if (random() < 0.6) {
        path +=
          '?' +
          Array.from(
            { length: 1 + Math.floor(random() * 3) },
            () => `${pick(params)}=${encodeURIComponent(pick(values)).replace(/%25/g, random() < 0.3 ? '%' : '%25')}`,
          ).join('&');
      }
      path = path.replace(/ /g, '%20').replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
      const headers: Record<string, string> = {};
      if (random() < 0.3) headers['x-fuzz'] = pick(values);
      if (random() < 0.2) headers['content-type'] = pick(['application/json', 'text/plain', '*/*', '']);
      if (random() < 0.2) headers.origin = pick(['http://localhost:3000', 'null', 'http://evil.example']);
      const useToken = random() < 0.85;
      const host = random() < 0.1 ? pick(['evil.example', `localhost:${port}`, '']) : undefined;
      const method = pick(methods);
      const body = method === 'POST' && random() < 0.5 ? pick(values) : undefined;
      const response = await call(port, { method, path, token: useToken ? token : undefined, host, headers, body });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      assert.ok(response.status < 500, `${method} ${path} answered ${response.status}: ${response.text.slice(0, 200)}`);
      if (response.status >= 400 && method !== 'HEAD' && response.headers['content-type']?.startsWith('application/json')) {
        const body = response.json() as { error?: unknown; message?: unknown };
        assert.equal(typeof body.error, 'string');
        assert.equal(typeof body.message, 'string');
      }
    }
    // The fuzz reached the handlers, not only the gates.
    assert.ok(
      (statuses.get(200) ?? 0) > 10 && (statuses.get(400) ?? 0) > 5 && (statuses.get(404) ?? 0) > 10,
      JSON.stringify([...statuses]),
    );
  });

  it('answers from the shared history in a window that is not the writer', async () => {
    const readOnly = await HistoryFollower.open({ directory: directory.path });
    try {
      const source = createApiDataSource({ store: readOnly, getTargets: () => stack.targets, isWriter: () => false });
      const reader = new ApiServer({ port: 0, token, allowUnauthenticatedMetrics: false, source });
      extraServers.push(reader);
      const readerPort = (await reader.start()).port;
      const health = await api({ port: readerPort, path: '/api/health' });
      const healthBody = health.json() as { writer: boolean; message: string; store: { read_only: boolean } };
      assert.equal(healthBody.writer, false);
      assert.equal(healthBody.store.read_only, true);
      assert.match(healthBody.message, /another Network Monitor window \(or the CLI\) runs the checks/);
      const status = (await api({ port: readerPort, path: '/api/status' })).json() as StatusBody;
      assert.equal(status.writer, false);
      assert.equal(status.current_status[up.url]!.status, 'UP', 'read from the shared store, without a scheduler');
      assert.equal(status.current_status[down.url]!.status, 'DOWN');
      const check = await api({ port: readerPort, method: 'POST', path: '/api/targets/up/check' });
      assert.equal(check.status, 409);
      assert.match((check.json() as { message: string }).message, /does not run the checks/);
      assert.match((await api({ port: readerPort, path: '/metrics' })).text, /^networkmonitor_writer 0$/m);
    } finally {
      await readOnly.dispose();
    }
  });

  it('covered every documented operation with a conforming 200', () => {
    const documented = Object.entries(openApiDocument.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    assert.deepEqual(
      documented.filter((operation) => !covered.has(operation)),
      [],
    );
  });
});

describe('API server lifecycle', () => {
  it('says clearly that a port is taken, and lets it go on dispose', async () => {
    const source = createApiDataSource({ store: undefined, getTargets: () => [], isWriter: () => true });
    const first = new ApiServer({ port: 0, token: 't'.repeat(32), allowUnauthenticatedMetrics: false, source });
    const { port } = await first.start();
    const second = new ApiServer({ port, token: 't'.repeat(32), allowUnauthenticatedMetrics: false, source });
    await assert.rejects(
      second.start(),
      (error: unknown) =>
        error instanceof ApiPortInUseError && error.port === port && /Port \d+ on 127\.0\.0\.1 is already in use/.test(error.message),
    );
    await second.dispose();

    // A kept-alive connection must not hold the server open.
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await first.dispose();
    await closed;
    await assert.rejects(call(port, { path: '/api/health' }), /ECONNREFUSED/);
    await assert.rejects(first.start(), /was stopped/);

    // The freed port can be bound again at once (the composition root restarts on a setting change).
    const again = new ApiServer({ port, token: 't'.repeat(32), allowUnauthenticatedMetrics: false, source });
    assert.equal((await again.start()).port, port);
    await again.dispose();
  });
});
