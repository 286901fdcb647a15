/**
 * What a repository's entry may make a check send, and what a server may make a check keep,
 * against a real echo server on loopback that answers every request with all it received
 * (headers and body): a secret the server echoes never reaches a check's message (in JSON, in a
 * Location, URL-encoded), whoever wrote the entry; a workspace entry that would write (a method
 * other than GET or HEAD, or a body) with a secret, or to this machine, waits for the user's
 * approval of that exact entry; one whose host name resolves to a loopback address has its write
 * refused at the check; a Host header never goes out.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { withCommandLineHeaders } from '../../../src/cli/targetOptions';
import { Prober } from '../../../src/core/probes/prober';
import { HIDDEN_SECRET } from '../../../src/core/probes/secretScrubbing';
import { resolveTarget, type TargetEntry } from '../../../src/core/targets/target';
import { type ApprovedEntries } from '../../../src/core/targets/workspaceEntryPolicy';
import { collectTargets, type SecretLookup, type SettingsLevel } from '../../../src/vscode/config/targetEntries';
import { startDnsServer, type TestDnsServer } from '../../support/dnsServer';
import { startEchoServer, type ReceivedRequest, type RunningServer } from '../../support/servers';

/** Random per run; a space, "/" and "+" so that its URL-encoded spelling differs from it. */
const SECRET_VALUE = `canary ${randomBytes(12).toString('hex')}/+`;
const DEFAULTS = { intervalMs: 60_000, timeoutMs: 3000, maxBodyBytes: 1024 * 1024 };

describe('secrets and writes of workspace entries, against a server that echoes everything', () => {
  let echo: RunningServer & { received: ReceivedRequest[] };
  let dns: TestDnsServer;
  let prober: Prober;

  before(async () => {
    echo = await startEchoServer();
    // A name of the repository's choosing that resolves to this machine.
    dns = await startDnsServer({ 'dev-box.test': { a: ['127.0.0.1'] } });
    prober = new Prober({ dns: { servers: [dns.address] } });
  });

  after(async () => {
    await echo.close();
    await dns.close();
  });

  const lookup: SecretLookup = async (name) => (name === 'token' ? { value: SECRET_VALUE, origins: [echo.origin] } : undefined);

  async function collect(level: SettingsLevel, entry: TargetEntry, approved?: ApprovedEntries) {
    return collectTargets([{ level, entries: [entry] }], DEFAULTS, lookup, approved);
  }

  function carried(request: ReceivedRequest): boolean {
    return JSON.stringify(request.headers).includes(SECRET_VALUE);
  }

  test('an echoed secret is hidden in the message of a JSON assertion and of a Location, at every settings level', async () => {
    for (const level of ['user', 'workspace'] as const) {
      for (const path of ['/status', '/unsupported-redirect']) {
        const { targets, problems } = await collect(level, {
          url: `${echo.origin}${path}`,
          headers: { Authorization: 'Bearer ${secret:token}', 'X-Api-Key': '${secret:token}' },
          jsonPath: '$.echo',
          equals: 'nothing',
        });
        assert.deepEqual(problems, []);
        const before = echo.received.length;
        const result = await prober.check(targets[0]!.target);
        const request = echo.received[before]!;
        assert.ok(carried(request), 'The secret reached its origin, so the server had it to echo.');
        assert.equal(result.status, 'DOWN');
        assert.ok(!result.message.includes(SECRET_VALUE), `${level} ${path}: ${result.message}`);
        assert.ok(!result.message.includes(encodeURIComponent(SECRET_VALUE)), `${level} ${path}: ${result.message}`);
        assert.ok(result.message.includes(HIDDEN_SECRET), `The echo is quoted, with the secret hidden: ${result.message}`);
      }
    }
  });

  test('a credential given on the command line is hidden in a message as well, whole and after its scheme', async () => {
    const built = resolveTarget({ url: `${echo.origin}/status`, jsonPath: '$.echo.headers', equals: {} }, DEFAULTS);
    assert.ok(built.ok);
    const target = withCommandLineHeaders(built.value, { authorization: `Bearer ${SECRET_VALUE}`, 'x-other': SECRET_VALUE });
    const result = await prober.check(target);
    assert.match(result.message, /\$\.echo\.headers is \{/);
    assert.ok(!result.message.includes(SECRET_VALUE), result.message);
  });

  test('a workspace entry that would POST a secret waits for approval of that exact entry; approved, it is sent', async () => {
    const entry = {
      url: `${echo.origin}/orders`,
      method: 'POST',
      body: '{"quantity":1000}',
      headers: { Authorization: 'Bearer ${secret:token}' },
    };
    const before = echo.received.length;
    const waiting = await collect('workspace', entry);
    assert.equal(waiting.targets.length, 0);
    assert.match(
      waiting.problems[0]!.message,
      /waiting for your approval: it would send your secret "token" in a POST with a body request/,
    );
    const key = waiting.problems[0]!.approval?.key;
    assert.ok(key);

    const changed = await collect('workspace', { ...entry, body: '{"quantity":99999}' }, (approved) => approved === key);
    assert.equal(changed.targets.length, 0, 'An approval is for the entry as it was; a changed body needs a new one.');

    const approved = await collect('workspace', entry, (candidate) => candidate === key);
    assert.deepEqual(approved.problems, []);
    assert.equal(echo.received.length, before, 'Nothing was sent before the approval.');
    const result = await prober.check(approved.targets[0]!.target);
    assert.equal(result.status, 'UP', result.message);
    assert.equal(echo.received.at(-1)!.method, 'POST');
    assert.ok(carried(echo.received.at(-1)!));
  });

  test('a workspace entry may not send a secret with certificate checks off or its own authority, approved or not', async () => {
    for (const risky of [{ tlsVerify: false }, { ca: '/etc/ssl/certs/evil.pem' }]) {
      const entry = { url: `${echo.origin}/`, headers: { 'X-Api-Key': '${secret:token}' }, ...risky };
      const { targets, problems } = await collect('workspace', entry, () => true);
      assert.equal(targets.length, 0, JSON.stringify(risky));
      assert.match(problems[0]!.message, /refused: it sends the secret "token" and sets .*anyone on the network/);
      assert.equal((await collect('user', entry)).targets.length, 1, 'Your own settings may.');
    }
  });

  test('a workspace write to this machine waits for approval; by a name that resolves here, it is refused at the check', async () => {
    const write = { method: 'PUT', body: 'reset=1' };
    for (const url of [`${echo.origin}/admin`, `http://localhost:${echo.port}/admin`, `http://[::ffff:127.0.0.1]:${echo.port}/admin`]) {
      const { targets, problems } = await collect('workspace', { url, ...write });
      assert.equal(targets.length, 0, url);
      assert.match(problems[0]!.message, /would send a PUT with a body request to .* on this machine or your private network/, url);
    }

    const before = echo.received.length;
    const byName = await collect('workspace', { url: `http://dev-box.test:${echo.port}/admin`, ...write });
    assert.deepEqual(byName.problems, []);
    const refused = await prober.check(byName.targets[0]!.target);
    assert.equal(refused.reason, 'BLOCKED', refused.message);
    assert.match(refused.message, /dev-box\.test \(127\.0\.0\.1\) is on this machine or a private network/);
    assert.equal(echo.received.length, before, 'The write was not sent.');
    const overridden = await collect('workspace', {
      url: `http://dev-box.test:${echo.port}/users/1`,
      headers: { 'X-HTTP-Method-Override': 'DELETE' },
    });
    assert.equal((await prober.check(overridden.targets[0]!.target)).reason, 'BLOCKED', 'A GET that says it is a DELETE is a write.');
    assert.equal(echo.received.length, before);

    const read = await collect('workspace', `http://dev-box.test:${echo.port}/health`);
    assert.equal((await prober.check(read.targets[0]!.target)).status, 'UP', 'A GET from the workspace still goes through.');
    const mine = await collect('user', { url: `http://dev-box.test:${echo.port}/admin`, ...write });
    assert.equal((await prober.check(mine.targets[0]!.target)).status, 'UP', 'Your own settings may write anywhere.');
    assert.equal(echo.received.at(-1)!.method, 'PUT');
  });

  test('no entry may name another host in Host, Forwarded or X-Forwarded-Host; nothing is sent', async () => {
    const before = echo.received.length;
    for (const level of ['user', 'workspace'] as const) {
      for (const header of ['Host', 'host', 'Forwarded', 'X-Forwarded-Host']) {
        const { targets, problems } = await collect(level, {
          url: `${echo.origin}/`,
          headers: { [header]: 'internal-admin.test', 'X-Api-Key': '${secret:token}' },
        });
        assert.equal(targets.length, 0, `${level} ${header}`);
        assert.match(problems[0]!.message, /the host a request is for always comes from the URL/);
      }
    }
    assert.equal(echo.received.length, before);
  });
});
