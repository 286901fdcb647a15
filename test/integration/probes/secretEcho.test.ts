/**
 * What a server may make a check keep, against a real echo server on loopback that answers every
 * request with all it received (headers and body): a secret the server echoes never reaches a
 * check's message (in JSON, in a Location, URL-encoded), whoever wrote the entry.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { withCommandLineHeaders } from '../../../src/cli/targetOptions';
import { Prober } from '../../../src/core/probes/prober';
import { HIDDEN_SECRET } from '../../../src/core/probes/secretScrubbing';
import { resolveTarget, type TargetEntry } from '../../../src/core/targets/target';
import { collectTargets, type SecretLookup, type SettingsLevel } from '../../../src/vscode/config/targetEntries';
import { startDnsServer, type TestDnsServer } from '../../support/dnsServer';
import { startEchoServer, type ReceivedRequest, type RunningServer } from '../../support/servers';

/** Random per run; a space, "/" and "+" so that its URL-encoded spelling differs from it. */
const SECRET_VALUE = `canary ${randomBytes(12).toString('hex')}/+`;
const DEFAULTS = { intervalMs: 60_000, timeoutMs: 3000, maxBodyBytes: 1024 * 1024 };

describe('secrets, against a server that echoes everything', () => {
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

  async function collect(level: SettingsLevel, entry: TargetEntry) {
    return collectTargets([{ level, entries: [entry] }], DEFAULTS, lookup);
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
});
