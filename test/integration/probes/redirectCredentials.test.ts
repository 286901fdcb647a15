/**
 * Credentials and redirects, against real servers on loopback: a redirect to another origin
 * (another port, another loopback address, https to http) never carries the credentials; a
 * redirect within the origin still does; a target from a workspace cannot reach a link-local
 * address. Each server records every header it received, and the test reads those records.
 */
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { CheckResult } from '../../../src/core/probes/checkResult';
import { Prober } from '../../../src/core/probes/prober';
import { resolveTarget, type Target } from '../../../src/core/targets/target';
import { collectTargets, type SecretLookup } from '../../../src/vscode/config/targetEntries';
import { createSelfSigned } from '../../support/certificates';
import { startHttpServer, startHttpsServer, type RunningServer } from '../../support/servers';

const SECRET_VALUE = `canary-${Math.random().toString(36).slice(2)}`;
const prober = new Prober();

interface RecordingServer extends RunningServer {
  received: IncomingHttpHeaders[];
}

/**
 * A server that records each request's headers and echoes them back, with the body, as JSON
 * (`{"headers": ..., "body": ...}`), so a check that quotes the answer would carry a secret back;
 * `/go` is a redirect to `redirectTo()`.
 */
async function recordingServer(
  start: (handler: Parameters<typeof startHttpServer>[0]) => Promise<RunningServer>,
  redirectTo: () => string,
): Promise<RecordingServer> {
  const received: IncomingHttpHeaders[] = [];
  const server = await start((request, response) => {
    received.push(request.headers);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/go') {
        response.writeHead(302, { location: redirectTo() });
        response.end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
  });
  return { ...server, received };
}

function leaked(server: RecordingServer): string[] {
  return server.received.flatMap((headers) =>
    Object.entries(headers)
      .filter(([, value]) => String(value).includes(SECRET_VALUE))
      .map(([name]) => name),
  );
}

/** A user-level target with the secret in `authorization` and a custom header, and a cookie; `extra` adds to the entry. */
async function targetWithSecret(url: string, level: 'user' | 'workspace' = 'user', extra: Record<string, unknown> = {}): Promise<Target> {
  const lookup: SecretLookup = async () => ({ value: SECRET_VALUE, origins: [new URL(url).origin] });
  const entry = {
    ...extra,
    url,
    timeout: 3000,
    tlsVerify: false,
    headers: { Authorization: 'Bearer ${secret:token}', 'X-Api-Key': '${secret:token}', Cookie: 'session=plain-cookie', 'X-Trace': 'kept' },
  };
  const { targets, problems } = await collectTargets(
    [{ level, entries: [entry] }],
    { intervalMs: 60_000, timeoutMs: 3000, maxBodyBytes: 1024 * 1024 },
    lookup,
  );
  assert.deepEqual(problems, []);
  return targets[0]!.target;
}

describe('credentials and redirects', () => {
  let final: RecordingServer;
  let otherAddress: RecordingServer;
  let start: RecordingServer;
  let secure: RecordingServer;
  let redirectTarget = '';

  before(async () => {
    final = await recordingServer(
      (handler) => startHttpServer(handler),
      () => '/',
    );
    otherAddress = await recordingServer(
      (handler) => startHttpServer(handler, '127.0.0.2'),
      () => '/',
    );
    start = await recordingServer(
      (handler) => startHttpServer(handler),
      () => redirectTarget,
    );
    const credentials = createSelfSigned(['127.0.0.1']);
    secure = await recordingServer(
      (handler) => startHttpsServer(credentials, handler),
      () => redirectTarget,
    );
  });

  after(async () => {
    await Promise.all([final.close(), otherAddress.close(), start.close(), secure.close()]);
  });

  function reset(): void {
    for (const server of [final, otherAddress, start, secure]) server.received.length = 0;
  }

  async function follow(from: RecordingServer, to: string): Promise<CheckResult> {
    reset();
    redirectTarget = to;
    return prober.check(await targetWithSecret(`${from.origin}/go`));
  }

  test('a redirect to another port drops Authorization, Cookie and every header from a secret, and keeps the rest', async () => {
    const result = await follow(start, `${final.origin}/`);
    assert.equal(result.status, 'UP', result.message);
    assert.equal(start.received.length, 1);
    assert.equal(start.received[0]!.authorization, `Bearer ${SECRET_VALUE}`, 'the first origin gets the credentials it was stored for');
    assert.equal(final.received.length, 1, 'the redirect was followed');
    assert.deepEqual(leaked(final), []);
    assert.equal(final.received[0]!.cookie, undefined);
    assert.equal(final.received[0]!['x-trace'], 'kept');
  });

  test('a redirect to another loopback address (127.0.0.2) drops them too', async () => {
    const result = await follow(start, `${otherAddress.origin}/`);
    assert.equal(result.status, 'UP', result.message);
    assert.equal(otherAddress.received.length, 1);
    assert.deepEqual(leaked(otherAddress), []);
    assert.equal(otherAddress.received[0]!.authorization, undefined);
  });

  test('a redirect within the origin keeps the credentials', async () => {
    const result = await follow(start, '/same-origin');
    assert.equal(result.status, 'UP', result.message);
    assert.equal(start.received.length, 2);
    assert.equal(start.received[1]!.authorization, `Bearer ${SECRET_VALUE}`);
    assert.equal(start.received[1]!['x-api-key'], SECRET_VALUE);
    assert.equal(start.received[1]!.cookie, 'session=plain-cookie');
  });

  test('https to http with a secret attached is refused with its own reason, and nothing is sent over http', async () => {
    const result = await follow(secure, `${final.origin}/`);
    assert.equal(result.status, 'DOWN');
    assert.equal(result.reason, 'BLOCKED');
    assert.match(result.message, /HTTPS to plain HTTP/);
    assert.equal(secure.received.length, 1);
    assert.equal(final.received.length, 0);
  });

  test('https to http without secrets is followed', async () => {
    reset();
    redirectTarget = `${final.origin}/`;
    const target = resolveTarget({ url: `${secure.origin}/go`, tlsVerify: false, timeout: 3000 });
    assert.ok(target.ok);
    const result = await prober.check(target.value);
    assert.equal(result.status, 'UP', result.message);
    assert.equal(final.received.length, 1);
  });

  test('a message from the server never carries the secret back into the result', async () => {
    const redirected = await follow(start, `${final.origin}/`);
    assert.ok(!JSON.stringify(redirected).includes(SECRET_VALUE));
    // Within the origin the secret arrives, and the server's answer, quoted in the message, echoes it.
    reset();
    const quoting = await targetWithSecret(`${start.origin}/echo`, 'user', { jsonPath: '$.headers', equals: 'something else' });
    const result = await prober.check(quoting);
    assert.deepEqual(leaked(start).sort(), ['authorization', 'x-api-key'], 'the server got the secret to echo');
    assert.match(result.message, /^\$\.headers is \{.*"authorization":"Bearer \[secret\]"/);
    assert.ok(!JSON.stringify(result).includes(SECRET_VALUE), result.message);
  });
});

describe('link-local and metadata addresses', () => {
  test('a workspace target may not address fe80::/10; a user target gets through to the connect', async () => {
    // fe80:: without a zone cannot be connected to on Linux, so nothing leaves the machine either way.
    const url = 'http://[fe80::1]:9/';
    const lookup: SecretLookup = async () => undefined;
    const defaults = { intervalMs: 60_000, timeoutMs: 2000, maxBodyBytes: 1024 };
    const { targets } = await collectTargets(
      [
        { level: 'workspace', entries: [url] },
        { level: 'user', entries: [{ url, id: 'mine' }] },
      ],
      defaults,
      lookup,
    );
    const workspace = targets.find((configured) => configured.origin.level === 'workspace')!.target;
    const user = targets.find((configured) => configured.origin.level === 'user')!.target;
    assert.equal(workspace.blockLinkLocal, true);
    assert.equal(user.blockLinkLocal, false);
    const refused = await prober.check(workspace);
    assert.equal(refused.reason, 'BLOCKED');
    assert.match(refused.message, /link-local or cloud metadata address/);
    const tried = await prober.check(user);
    assert.notEqual(tried.reason, 'BLOCKED');
  });
});

describe('what a server sends back', () => {
  test('never fills the history: a 6,000-character Location is clipped to about 1 KiB in the message', async () => {
    const longLocation = `ftp://127.0.0.1/${'a'.repeat(6_000)}`;
    const server = await startHttpServer((_request, response) => {
      response.writeHead(302, { location: longLocation });
      response.end();
    });
    try {
      const target = resolveTarget({ url: `${server.origin}/`, timeout: 3000 });
      assert.ok(target.ok);
      const result = await prober.check(target.value);
      assert.equal(result.status, 'DOWN');
      assert.match(result.message, /^Redirected to an unsupported URL/);
      assert.ok(result.message.length <= 1024, `${result.message.length} characters`);
    } finally {
      await server.close();
    }
  });
});
