/**
 * `network-monitor watch` as a user runs it against a local site that goes down and comes back:
 * seed-style lines, exactly one alert, exactly one recovery, and a report with the right figures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../support/cli';
import { startHttpServer, type RunningServer } from '../../support/servers';

let site: RunningServer;
let receiver: RunningServer;
/** What the alert channels' receiver got: path and JSON body. */
const delivered: { path: string; body: Record<string, unknown> }[] = [];
let requests = 0;
const dataDir = mkdtempSync(join(tmpdir(), 'nm-watch-'));

before(async () => {
  // Answers 1-3 are fine, 4-7 fail, then fine again: down and back, whatever the timing.
  site = await startHttpServer((_request, response) => {
    requests++;
    if (requests >= 4 && requests <= 7) response.writeHead(503).end('maintenance');
    else response.end('ok');
  });
  receiver = await startHttpServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      delivered.push({ path: request.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
      response.end('ok');
    });
  });
});
after(async () => {
  await site.close();
  await receiver.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('watch prints a line per check, one alert, one recovery and the report, and posts both to its alert channels', async () => {
  const url = `${site.origin}/`;
  const run = await runCli(
    [
      'watch',
      url,
      '--interval',
      '1',
      '--duration',
      '11.5',
      '--threshold',
      '3',
      '--retries',
      '0',
      '--data-dir',
      dataDir,
      '--notify',
      `webhook=${receiver.origin}/generic`,
    ],
    {
      timeoutMs: 60_000,
      env: { NETWORK_MONITOR_NOTIFY: `slack=${receiver.origin}/slack discord=${receiver.origin}/discord` },
    },
  );
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split('\n');
  const checkLines = lines.filter((line) => /^\d\d:\d\d:\d\d - /.test(line));
  assert.ok(checkLines.length >= 9, `expected about 11 checks, got:\n${run.stdout}`);
  for (const line of checkLines) {
    assert.match(line, new RegExp(`^\\d\\d:\\d\\d:\\d\\d - ${url.replace(/[./]/g, '\\$&')} (UP 200|DOWN 503) \\d+\\.\\d\\dms`));
  }
  const downLines = checkLines.filter((line) => line.includes(' DOWN 503 '));
  assert.equal(downLines.length, 4);
  assert.match(downLines[0]!, /HTTP 503 is not an accepted status/);

  const alerts = lines.filter((line) => line.startsWith('!! ALERT'));
  const recoveries = lines.filter((line) => line.startsWith('** RECOVERED'));
  assert.equal(alerts.length, 1, run.stdout);
  assert.equal(recoveries.length, 1, run.stdout);
  assert.match(alerts[0]!, /is DOWN after 3 consecutive failed checks/);
  assert.ok(lines.indexOf(alerts[0]!) < lines.indexOf(recoveries[0]!));

  const header = lines.findIndex((line) => line.startsWith('Target'));
  assert.ok(header > 0, 'the report table is printed');
  assert.match(lines[header]!, /^Target\s+Availability\s+Avg Response\s+p95\s+Location\s+Anomalies\s+Last Status$/);
  const row = lines[header + 2]!;
  const total = checkLines.length;
  const expectedAvailability = (((total - 4) / total) * 100).toFixed(2);
  assert.match(
    row,
    new RegExp(
      `^${url.replace(/[./]/g, '\\$&')}\\s+${expectedAvailability.replace('.', '\\.')}%\\s+\\d+\\.\\d\\dms\\s+\\d+\\.\\d\\dms\\s+Local network\\s+\\d+\\s+UP 200$`,
    ),
  );
  assert.ok(existsSync(join(dataDir, 'history.db.gz')) || existsSync(join(dataDir, 'history.db')), 'the history is saved in --data-dir');

  // The same alert and recovery reached every channel, once each, in order.
  assert.deepEqual(
    delivered.filter((entry) => entry.path === '/generic').map((entry) => entry.body.event),
    ['alert', 'recovered'],
  );
  assert.deepEqual(
    delivered.filter((entry) => entry.path === '/slack').map((entry) => (entry.body.text as string).slice(0, 2)),
    ['🔴', '🟢'],
  );
  assert.equal(delivered.filter((entry) => entry.path === '/discord').length, 2);
  assert.equal(lines.filter((line) => line.startsWith('   sent the ')).length, 6, run.stdout);
  assert.ok(!run.stdout.includes(receiver.origin), 'channel addresses are not printed');
});

test('watch refuses a --notify it cannot use, with a clear message', async () => {
  const run = await runCli(['watch', `${site.origin}/`, '--notify', 'pager=https://example.test/', '--data-dir', dataDir], {
    timeoutMs: 30_000,
  });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--notify takes FORMAT=URL with FORMAT one of webhook, slack, teams, discord/);
});

test('watch without targets and without a terminal says what is missing', async () => {
  const run = await runCli(['watch', '--data-dir', dataDir]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /No targets given/);
});

test(
  'watch started with no targets in a terminal asks for them, as the seed does',
  { skip: !existsSync('/usr/bin/script') && 'needs util-linux script(1) for a pseudo-terminal' },
  async () => {
    const { spawn } = await import('node:child_process');
    const { CLI_ENTRY } = await import('../../support/cli');
    const command = `${process.execPath} --import tsx ${CLI_ENTRY} watch --data-dir ${dataDir}`;
    // script(1) gives the CLI a real pseudo-terminal, so it takes the interactive path.
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const waitFor = async (pattern: RegExp): Promise<void> => {
      for (let i = 0; i < 200 && !pattern.test(output); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.match(output, pattern);
    };
    try {
      await waitFor(/URLs to monitor/);
      child.stdin.write(`${site.origin}/\n`);
      await waitFor(/Check interval in seconds \[60\]/);
      child.stdin.write('1\n');
      await waitFor(/Duration in seconds/);
      child.stdin.write('2\n');
      await waitFor(/Alert after how many consecutive failures \[3\]/);
      child.stdin.write('\n');
      await waitFor(/Watching 1 target every 1 s for 2 s/);
      await waitFor(/Availability/);
    } finally {
      child.kill();
    }
  },
);

test('watch --api-port serves the seed-shaped /api/status with the token from the data dir while it runs', async () => {
  const { spawn } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const { CLI_ENTRY } = await import('../../support/cli');
  const apiDir = mkdtempSync(join(tmpdir(), 'nm-watch-api-'));
  const url = `${site.origin}/`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI_ENTRY, 'watch', url, '--interval', '1', '--duration', '6', '--api-port', '0', '--data-dir', apiDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    for (let i = 0; i < 200 && !/API listening on http:\/\/127\.0\.0\.1:\d+/.test(output); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const port = Number(/API listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    assert.ok(port > 0, output);
    const token = readFileSync(join(apiDir, 'api-token'), 'utf8').trim();
    // Let the first check land.
    for (let i = 0; i < 100 && !output.includes(' UP 200 '); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const response = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    const status = (await response.json()) as { targets: string[]; current_status: Record<string, { status: string }> };
    assert.deepEqual(status.targets, [url]);
    assert.equal(status.current_status[url]?.status, 'UP');
    const refused = await fetch(`http://127.0.0.1:${port}/api/status`);
    assert.equal(refused.status, 401);
    assert.equal(await exited, 0);
  } finally {
    child.kill();
    rmSync(apiDir, { recursive: true, force: true });
  }
});

test("watch --api-port: /api/targets shows a target as checking while its check runs, then the next check's planned time", async () => {
  const { PassThrough } = await import('node:stream');
  const { runWatchCommand } = await import('../../../src/cli/watchCommand');
  // The site holds its answers until the test lets them go, so the check is surely in flight when asked.
  const held: (() => void)[] = [];
  let letGo = false;
  const slowSite = await startHttpServer((_request, response) => (letGo ? response.end('ok') : held.push(() => response.end('ok'))));
  const apiDir = mkdtempSync(join(tmpdir(), 'nm-watch-state-'));
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  let interrupt!: () => void;
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  const url = `${slowSite.origin}/`;
  const argv = [url, '--interval', '60', '--timeout', '30000', '--retries', '0', '--api-port', '0', '--data-dir', apiDir];
  const running = runWatchCommand(argv, { input: new PassThrough(), output, interrupted });
  try {
    const waitFor = async <T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> => {
      for (let i = 0; i < 200; i++) {
        const value = await probe();
        if (value !== undefined) return value;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`${what} did not happen; output:\n${printed}`);
    };
    const port = await waitFor('the API listens', () => /API listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(printed)?.[1]);
    const token = (await import('node:fs')).readFileSync(join(apiDir, 'api-token'), 'utf8').trim();
    type Listed = { url: string; checking: boolean; next_check_at: string | null; last_check_at: string | null };
    const listed = async (): Promise<Listed> => {
      const response = await fetch(`http://127.0.0.1:${port}/api/targets`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200);
      const { targets } = (await response.json()) as { targets: Listed[] };
      assert.equal(targets.length, 1);
      return targets[0]!;
    };

    await waitFor('the site is asked', () => (held.length > 0 ? true : undefined));
    const during = await listed();
    assert.equal(during.url, url);
    assert.equal(during.checking, true, 'the check is running');

    // The check ends after this, and plans the next one after its end.
    const releasedAt = Date.now();
    letGo = true;
    for (const answer of held.splice(0)) answer();
    const after = await waitFor('the check is recorded', async () => {
      const entry = await listed();
      return entry.last_check_at !== null && !entry.checking ? entry : undefined;
    });
    assert.ok(after.next_check_at !== null, 'the next check is planned');
    assert.ok(Date.parse(after.next_check_at) > releasedAt, `the next check (${after.next_check_at}) is still to come`);
    assert.ok(Date.parse(after.next_check_at) > Date.parse(after.last_check_at!), 'the next check comes after the last one');
  } finally {
    interrupt();
    letGo = true;
    for (const answer of held.splice(0)) answer();
    assert.equal(await running, 0);
    await slowSite.close();
    rmSync(apiDir, { recursive: true, force: true });
  }
});

test('watch --api-port on a port another program holds stops with the reason, and still closes the history it opened', async () => {
  const { PassThrough } = await import('node:stream');
  const { createServer } = await import('node:net');
  const { runWatchCommand } = await import('../../../src/cli/watchCommand');
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as { port: number }).port;
  const takenDir = mkdtempSync(join(tmpdir(), 'nm-watch-taken-'));
  try {
    const argv = [`${site.origin}/`, '--api-port', String(port), '--data-dir', takenDir];
    const io = { input: new PassThrough(), output: new PassThrough(), interrupted: new Promise<void>(() => {}) };
    await assert.rejects(runWatchCommand(argv, io), new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`));
    // Written by the store's dispose: the run's one teardown ran on this way out too.
    assert.ok(existsSync(join(takenDir, 'history.db.gz')), 'the history was closed and written');
  } finally {
    holder.close();
    rmSync(takenDir, { recursive: true, force: true });
  }
});
