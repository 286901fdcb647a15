/**
 * `--header` and `--config` on `check` and `watch`, as a script runs them: the real CLI in a child
 * process against servers on loopback that record every request's headers. Headers typed on the
 * command line are credentials: kept within the origin, dropped on a redirect to another port or
 * another loopback address, with Authorization.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jsonLines, runCli } from '../../support/cli';
import { startHttpServer, type RunningServer } from '../../support/servers';

interface Recorded {
  url: string;
  headers: IncomingHttpHeaders;
}

interface RecordingServer extends RunningServer {
  received: Recorded[];
}

/** Answers `/go` with a redirect to `redirectTo()`, everything else with 200; records each request. */
async function recordingServer(host: string | undefined, redirectTo: () => string): Promise<RecordingServer> {
  const received: Recorded[] = [];
  const server = await startHttpServer((request, response) => {
    received.push({ url: request.url ?? '', headers: request.headers });
    if (request.url === '/go') response.writeHead(302, { location: redirectTo() }).end();
    else response.end('ok');
  }, host);
  return { ...server, received };
}

describe('network-monitor check and watch with --header and --config', () => {
  const directory = mkdtempSync(join(tmpdir(), 'nm-cli-headers-'));
  let start: RecordingServer;
  let otherPort: RecordingServer;
  let otherAddress: RecordingServer;
  let redirectTarget = '/landed';

  before(async () => {
    start = await recordingServer(undefined, () => redirectTarget);
    otherPort = await recordingServer(undefined, () => '/');
    otherAddress = await recordingServer('127.0.0.2', () => '/');
  });
  after(async () => {
    await Promise.all([start, otherPort, otherAddress].map((server) => server.close()));
    rmSync(directory, { recursive: true, force: true });
  });

  function reset(redirectTo = '/landed'): void {
    redirectTarget = redirectTo;
    for (const server of [start, otherPort, otherAddress]) server.received.length = 0;
  }

  function configFile(name: string, content: string): string {
    const path = join(directory, name);
    writeFileSync(path, content);
    return path;
  }

  test('--header arrives at the server, and may be repeated', async () => {
    reset();
    const run = await runCli(['check', `${start.origin}/`, '--header', 'X-Api-Key: key-1', '--header=X-Trace:  trace-2 ']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(start.received.length, 1);
    assert.equal(start.received[0]!.headers['x-api-key'], 'key-1');
    assert.equal(start.received[0]!.headers['x-trace'], 'trace-2');
  });

  test('--config checks every entry, with its own headers, and --header wins over an entry header of the same name', async () => {
    reset();
    const file = configFile(
      'two.json',
      JSON.stringify([
        `${start.origin}/plain`,
        { url: `${start.origin}/own`, name: 'with headers', headers: { 'X-Entry': 'entry-value', 'X-Shared': 'from-entry' } },
      ]),
    );
    const run = await runCli(['check', '--config', file, '--header', 'X-Shared: from-command-line']);
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stdout);
    assert.deepEqual(
      lines.map((line) => line.target),
      [`${start.origin}/plain`, `${start.origin}/own`],
    );
    const byPath = new Map(start.received.map((request) => [request.url, request.headers]));
    assert.equal(byPath.size, 2);
    assert.equal(byPath.get('/plain')!['x-entry'], undefined);
    assert.equal(byPath.get('/plain')!['x-shared'], 'from-command-line', '--header applies to config entries too');
    assert.equal(byPath.get('/own')!['x-entry'], 'entry-value');
    assert.equal(byPath.get('/own')!['x-shared'], 'from-command-line');
  });

  test('a redirect within the origin keeps the --header', async () => {
    reset('/landed');
    const run = await runCli(['check', `${start.origin}/go`, '--header', 'X-Token: t-123']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      start.received.map((request) => request.url),
      ['/go', '/landed'],
    );
    assert.equal(start.received[1]!.headers['x-token'], 't-123');
  });

  test("a redirect to another port drops the --header and Authorization, and keeps a config entry's plain header", async () => {
    reset(`${otherPort.origin}/`);
    const file = configFile(
      'redirect.json',
      JSON.stringify([{ url: `${start.origin}/go`, headers: { Authorization: 'Bearer from-config', 'X-Plain': 'plain' } }]),
    );
    const run = await runCli(['check', '--config', file, '--header', 'X-Token: t-123']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(start.received[0]!.headers['x-token'], 't-123');
    assert.equal(start.received[0]!.headers.authorization, 'Bearer from-config');
    assert.equal(otherPort.received.length, 1, 'the redirect was followed');
    assert.equal(otherPort.received[0]!.headers['x-token'], undefined);
    assert.equal(otherPort.received[0]!.headers.authorization, undefined);
    assert.equal(otherPort.received[0]!.headers['x-plain'], 'plain');
  });

  test('a redirect to 127.0.0.2 drops the --header', async () => {
    reset(`${otherAddress.origin}/`);
    const run = await runCli(['check', `${start.origin}/go`, '--header', 'X-Token: t-123', '--header', 'Authorization: Bearer b-456']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(otherAddress.received.length, 1, 'the redirect was followed');
    assert.equal(otherAddress.received[0]!.headers['x-token'], undefined);
    assert.equal(otherAddress.received[0]!.headers.authorization, undefined);
  });

  test('watch sends --header to the targets of --config', async () => {
    reset();
    const file = configFile('watch.json', JSON.stringify([`${start.origin}/watched`]));
    const run = await runCli([
      'watch',
      '--config',
      file,
      '--header',
      'X-Token: w-789',
      '--duration',
      '1',
      '--interval',
      '5',
      '--data-dir',
      join(directory, 'data'),
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Watching 1 target/);
    const watched = start.received.filter((request) => request.url === '/watched');
    assert.ok(watched.length >= 1, run.stdout);
    assert.equal(watched[0]!.headers['x-token'], 'w-789');
  });

  const refusals: { name: string; args: () => string[]; message: RegExp }[] = [
    {
      name: 'a --header without a colon',
      args: () => ['check', `${start.origin}/`, '--header', 'X-Token t-123'],
      message: /--header: "X-Token t-123" is not a header; write it as 'Name: value'/,
    },
    {
      name: 'a --header with an invalid name',
      args: () => ['check', `${start.origin}/`, '--header', 'Bad Name: x'],
      message: /--header: "Bad Name" is not a valid header name/,
    },
    {
      name: 'a missing config file',
      args: () => ['check', '--config', join(directory, 'absent.json')],
      message: /--config .*absent\.json: no such file/,
    },
    {
      name: 'a config file that is not JSON',
      args: () => ['check', '--config', configFile('broken.json', '[ "http://x.test/", ')],
      message: /--config .*broken\.json: not valid JSON/,
    },
    {
      name: 'a config file that is not an array',
      args: () => ['check', '--config', configFile('object.json', '{"url": "http://x.test/"}')],
      message: /--config .*object\.json: must be a JSON array/,
    },
    {
      name: 'a config file with a broken entry',
      args: () => [
        'check',
        '--config',
        configFile('bad-entry.json', JSON.stringify([`${start.origin}/fine`, { url: `${start.origin}/x`, timeout: -5 }])),
      ],
      message: /--config .*bad-entry\.json: entry \[1\] is not usable: "timeout" must be/,
    },
    {
      name: 'a config entry that is neither a URL nor an object',
      args: () => ['watch', '--config', configFile('number.json', JSON.stringify([`${start.origin}/fine`, 42])), '--duration', '1'],
      message: /entry \[1\] is not usable: an entry must be a URL string/,
    },
    {
      name: 'a config entry using ${secret:NAME}',
      args: () => [
        'check',
        '--config',
        configFile('secret.json', JSON.stringify([{ url: `${start.origin}/s`, headers: { Authorization: 'Bearer ${secret:token}' } }])),
      ],
      message:
        /entry \[0\] uses \$\{secret:\.\.\.\} in header "authorization", .*pass the value with --header 'authorization: VALUE' instead/,
    },
  ];
  for (const refusal of refusals) {
    test(`${refusal.name} is refused with exit code 2, a one-line message and nothing checked`, async () => {
      reset();
      const run = await runCli(refusal.args());
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stderr, refusal.message);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.equal(run.stdout, '');
      assert.equal(start.received.length, 0, 'no request was sent');
    });
  }

  test('a ${secret:NAME} header replaced by --header is accepted, and the --header value is sent', async () => {
    reset();
    const file = configFile(
      'secret-given.json',
      JSON.stringify([{ url: `${start.origin}/s`, headers: { Authorization: 'Bearer ${secret:token}' } }]),
    );
    const run = await runCli(['check', '--config', file, '--header', 'Authorization: Bearer given']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(start.received[0]!.headers.authorization, 'Bearer given');
  });
});
