/**
 * `network-monitor check` as a user runs it: a real child process against servers on 127.0.0.1,
 * with the test's own CA trusted through NODE_EXTRA_CA_CERTS as a user with an internal CA would.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa } from '../../support/certificates';
import { jsonLines, runCli } from '../../support/cli';
import { closedPort, startHttpServer, startHttpsServer, type RunningServer } from '../../support/servers';

const DAY_MS = 86_400_000;

describe('network-monitor check', () => {
  const ca = createTestCa();
  const directory = mkdtempSync(join(tmpdir(), 'nm-cli-'));
  const caFile = join(directory, 'ca.pem');
  writeFileSync(caFile, ca.cert);
  const trustCa = { NODE_EXTRA_CA_CERTS: caFile };
  let http: RunningServer;
  let trusted: RunningServer;
  let expired: RunningServer;
  let wrongHost: RunningServer;

  before(async () => {
    http = await startHttpServer((request, response) => {
      if (request.url === '/down') response.writeHead(503).end();
      else if (request.url === '/slow') setTimeout(() => response.end('ok'), 300);
      else response.end('ok');
    });
    trusted = await startHttpsServer(ca.issue({ hosts: ['127.0.0.1', 'localhost'] }), (_q, s) => s.end('ok'));
    expired = await startHttpsServer(
      ca.issue({ hosts: ['127.0.0.1'], notBefore: new Date(Date.now() - 400 * DAY_MS), notAfter: new Date(Date.now() - 30 * DAY_MS) }),
      (_q, s) => s.end('ok'),
    );
    wrongHost = await startHttpsServer(ca.issue({ hosts: ['other.example.test'] }), (_q, s) => s.end('ok'));
  });
  after(async () => {
    await Promise.all([http, trusted, expired, wrongHost].map((server) => server.close()));
    rmSync(directory, { recursive: true, force: true });
  });

  test('prints one JSON line per target in the order given, and exits 0 when all are UP', async () => {
    const run = await runCli(['check', `${http.origin}/`, `tcp://127.0.0.1:${http.port}`], { env: trustCa });
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stdout);
    assert.equal(lines.length, 2);
    assert.deepEqual(Object.keys(lines[0]!), [
      'target',
      'status',
      'reason',
      'message',
      'statusCode',
      'totalMs',
      'phases',
      'tls',
      'addresses',
    ]);
    assert.equal(lines[0]!.target, `${http.origin}/`);
    assert.equal(lines[0]!.status, 'UP');
    assert.equal(lines[0]!.statusCode, 200);
    assert.equal(lines[1]!.target, `tcp://127.0.0.1:${http.port}`);
    assert.equal(lines[1]!.status, 'UP');
  });

  test('exits 1 when any target is not UP', async () => {
    const run = await runCli(['check', `${http.origin}/`, `${http.origin}/down`]);
    assert.equal(run.code, 1);
    const [, down] = jsonLines(run.stdout);
    assert.equal(down!.status, 'DOWN');
    assert.equal(down!.reason, 'HTTP_STATUS');
    assert.equal(down!.statusCode, 503);
  });

  test('a certificate from a CA in NODE_EXTRA_CA_CERTS is trusted', async () => {
    const run = await runCli(['check', `${trusted.origin}/`], { env: trustCa });
    const [line] = jsonLines(run.stdout);
    assert.equal(line!.status, 'UP', String(line!.message));
    assert.equal((line!.tls as { authorized: boolean }).authorized, true);
    assert.equal(run.code, 0);
  });

  test('an expired certificate is TLS_ERROR (expired) with negative days left', async () => {
    const run = await runCli(['check', `${expired.origin}/`], { env: trustCa });
    const [line] = jsonLines(run.stdout);
    assert.equal(line!.status, 'DOWN');
    assert.equal(line!.reason, 'TLS_ERROR');
    assert.match(String(line!.message), /certificate expired on \d{4}-\d\d-\d\d/);
    assert.ok((line!.tls as { daysLeft: number }).daysLeft <= -30);
  });

  test('a certificate for another host name is TLS_ERROR (hostname mismatch)', async () => {
    const run = await runCli(['check', `${wrongHost.origin}/`], { env: trustCa });
    const [line] = jsonLines(run.stdout);
    assert.equal(line!.reason, 'TLS_ERROR');
    assert.match(String(line!.message), /hostname mismatch/);
  });

  test('--insecure accepts the expired certificate but still reports it', async () => {
    const run = await runCli(['check', '--insecure', `${expired.origin}/`], { env: trustCa });
    const [line] = jsonLines(run.stdout);
    assert.equal(line!.status, 'UP');
    assert.match(String((line!.tls as { authorizationError: string }).authorizationError), /expired/);
  });

  test('--stdin checks lines as they come, tags each with its line index, and keeps going past a bad line', async () => {
    const port = await closedPort();
    const input = [`${http.origin}/slow`, 'ftp://nope', '', `tcp://127.0.0.1:${port}`, `${http.origin}/`].join('\n') + '\n';
    const run = await runCli(['check', '--stdin', '--concurrency', '4', '--timeout', '5000'], { input });
    assert.equal(run.code, 1);
    const lines = jsonLines(run.stdout);
    assert.deepEqual(lines.map((line) => line.seq).sort(), [0, 1, 3, 4]);
    const bySeq = new Map(lines.map((line) => [line.seq, line]));
    assert.equal(bySeq.get(0)!.status, 'UP');
    assert.match(String(bySeq.get(1)!.message), /Unsupported scheme "ftp:\/\/"/);
    assert.equal(bySeq.get(3)!.reason, 'CONNECTION_REFUSED');
    assert.equal(bySeq.get(4)!.status, 'UP');
    // Written as each completes: the slow first line comes out after the quick ones.
    assert.notEqual(lines[0]!.seq, 0);
  });

  test('a usage error says what is wrong and exits 2', async () => {
    const noTargets = await runCli(['check']);
    assert.equal(noTargets.code, 2);
    assert.match(noTargets.stderr, /at least one target/);
    const badUrl = await runCli(['check', 'http://exa mple.com']);
    assert.equal(badUrl.code, 2);
    const badOption = await runCli(['check', '--timeout', 'soon', 'http://127.0.0.1:1/']);
    assert.match(badOption.stderr, /--timeout must be a number/);
  });
});
