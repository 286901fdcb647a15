/**
 * A canary for secrets, in a real extension host with trace logging: a secret with a random value
 * is stored and used by user targets, one of which redirects to another origin, and by a target a
 * second window publishes; the targets go down and come back (alerts, and notices for the second
 * window), the history is exported, the local API answers every route. Then every file this VS
 * Code wrote (global storage, logs, the other windows' files), the exports and the API's answers
 * are searched for the value: it must be in none. The servers are real, on 127.0.0.1, and echo
 * every request's headers and body back, and one target quotes that echo in its message, so a
 * secret a server hands back would be found too.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { SharedTargetsBoard } from '../../../src/core/coordination/sharedTargets';
import { DEFAULT_TARGET_DEFAULTS } from '../../../src/core/targets/target';
import { EXTENSION_ID, networkMonitor } from './networkMonitor';
import { eventually, WAIT_MS } from './eventually';

const SECRET_NAME = 'canary';
/** Random per run, so no earlier run, fixture or default can supply the value. */
const SECRET_VALUE = `canary-${randomBytes(18).toString('hex')}`;
/** Files larger than this are not read whole (none of the extension's should come near it). */
const MAX_SCANNED_BYTES = 64 * 1024 * 1024;

/** Command arguments as Network Monitor's own code makes them: the commands that change secrets and files take only these. */
async function own<T extends object>(args: T): Promise<T> {
  return (await networkMonitor()).ownArguments(args);
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('networkMonitor');
}

/**
 * A loopback site that records every request and echoes it back: every answer's body is
 * `{"echo": {url, headers, body}}` and its `X-Echo` header the request's headers, so a check that
 * quotes what a server sent (a JSON assertion's message) would carry the secret back if nothing
 * hid it. `/moved` redirects to `redirectTo`, and it answers 503 while `failing`.
 */
class RecordingSite {
  private server: Server | undefined;
  port = 0;
  failing = false;
  redirectTo: string | undefined;
  readonly received: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const received = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(received);
        const echo = JSON.stringify({ echo: received });
        const echoHeaders = { 'content-type': 'application/json', 'x-echo': encodeURIComponent(JSON.stringify(req.headers)) };
        if (this.failing) {
          res.writeHead(503, echoHeaders).end(echo);
        } else if (req.url === '/moved' && this.redirectTo) {
          res.writeHead(302, { ...echoHeaders, location: this.redirectTo }).end(echo);
        } else {
          res.writeHead(200, echoHeaders).end(echo);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  carrying(value: string): number {
    return this.received.filter((entry) => JSON.stringify(entry.headers).includes(value)).length;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function get(port: number, path: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every regular file under `dir`, skipping `skip` (absolute paths of folders). */
function filesUnder(dir: string, skip: readonly string[]): string[] {
  if (!existsSync(dir) || skip.includes(dir)) return [];
  const stat = lstatSync(dir);
  if (stat.isSymbolicLink()) return [];
  if (stat.isFile()) return [dir];
  if (!stat.isDirectory()) return [];
  return readdirSync(dir).flatMap((name) => filesUnder(join(dir, name), skip));
}

/** The files among `files` whose bytes hold `value`, as UTF-8 or as UTF-16 (SQLite and some logs use either). */
function filesHolding(files: readonly string[], value: string): string[] {
  const needles = [Buffer.from(value, 'utf8'), Buffer.from(value, 'utf16le')];
  return files.filter((file) => {
    try {
      if (lstatSync(file).size > MAX_SCANNED_BYTES) return false;
      const bytes = readFileSync(file);
      return needles.some((needle) => bytes.includes(needle));
    } catch {
      return false; // removed while scanning (a temporary file)
    }
  });
}

describe('A stored secret leaves no trace', function () {
  this.timeout(6 * WAIT_MS);
  const secretSite = new RecordingSite();
  const otherOrigin = new RecordingSite();
  let board: SharedTargetsBoard | undefined;
  const exportDir = mkdtempSync(join(tmpdir(), 'nm-canary-'));
  const settingKeys = [
    'targets',
    'defaults.interval',
    'defaults.timeout',
    'defaults.retries',
    'defaults.alertThreshold',
    'api.enabled',
    'api.port',
  ];

  before(async () => {
    await secretSite.start();
    await otherOrigin.start();
    secretSite.redirectTo = `${otherOrigin.origin}/landing`;
  });

  after(async () => {
    await board?.dispose();
    for (const key of settingKeys) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('networkMonitor.deleteSecret', SECRET_NAME);
    await secretSite.stop();
    await otherOrigin.stop();
    rmSync(exportDir, { recursive: true, force: true });
  });

  it('is sent only to its origin, and is in no file, log, export or API answer after checks, alerts, redirects and two windows', async () => {
    const profileDir = process.env.NM_E2E_PROFILE_DIR;
    assert.ok(profileDir, 'The test runner names the VS Code profile folder in NM_E2E_PROFILE_DIR.');
    const monitor = await networkMonitor();
    const global = vscode.ConfigurationTarget.Global;
    await config().update('defaults.interval', 1, global);
    await config().update('defaults.timeout', 2_000, global);
    await config().update('defaults.retries', 0, global);
    await config().update('defaults.alertThreshold', 2, global);
    await vscode.commands.executeCommand(
      'networkMonitor.storeSecret',
      await own({
        name: SECRET_NAME,
        value: SECRET_VALUE,
        origins: [secretSite.origin],
      }),
    );
    await config().update(
      'targets',
      [
        {
          id: 'canary-header',
          name: 'Canary header',
          url: `${secretSite.origin}/status`,
          headers: { 'X-Api-Key': `\${secret:${SECRET_NAME}}` },
        },
        {
          id: 'canary-redirect',
          name: 'Canary redirect',
          url: `${secretSite.origin}/moved`,
          headers: { Authorization: `Bearer \${secret:${SECRET_NAME}}` },
        },
        {
          // Always down, with a message that quotes the echo of its request, secret and all.
          id: 'canary-echo',
          name: 'Canary echo',
          url: `${secretSite.origin}/echo`,
          method: 'POST',
          body: 'echo me',
          headers: { Authorization: `Bearer \${secret:${SECRET_NAME}}`, 'X-Api-Key': `\${secret:${SECRET_NAME}}` },
          jsonPath: '$.echo',
          equals: 'never this',
        },
      ],
      global,
    );

    // A second window, as another VS Code window publishes its workspace's target: the writer
    // (this window) resolves the secret for it and writes its alerts to its notices file.
    const globalStorage = join(profileDir, 'user-data', 'User', 'globalStorage', EXTENSION_ID);
    assert.ok(existsSync(globalStorage), `No global storage at ${globalStorage}.`);
    board = await SharedTargetsBoard.start({ directory: globalStorage, heartbeatMs: 1_000 }, [
      {
        id: 'canary-second-window',
        entry: {
          id: 'canary-second-window',
          name: 'Canary second window',
          url: `${secretSite.origin}/second`,
          headers: { 'X-Api-Key': `\${secret:${SECRET_NAME}}` },
        },
        defaults: { ...DEFAULT_TARGET_DEFAULTS, intervalMs: 1_000, timeoutMs: 2_000 },
        paused: false,
        level: 'workspace',
      },
    ]);

    // The secret goes where it was stored for, on every target, and a redirect to another origin arrives without it.
    for (const path of ['/status', '/moved', '/second', '/echo']) {
      await eventually(`the secret site to receive the secret on ${path}`, () =>
        secretSite.received.some((entry) => entry.url === path && JSON.stringify(entry.headers).includes(SECRET_VALUE)),
      );
    }
    await eventually('the redirect to arrive at the other origin', () => otherOrigin.received.some((entry) => entry.url === '/landing'));
    await eventually('the redirected target to be UP', () => monitor.monitor.snapshot('canary-redirect')?.status === 'UP');
    // The echo came back and was quoted: the check that could carry the secret did run.
    const echoed = await eventually('the echo target to quote the echo of its request', () => {
      const message = monitor.monitor.snapshot('canary-echo')?.lastRecord?.message ?? '';
      return message.includes('"authorization"') ? message : undefined;
    });
    assert.match(echoed, /"echo me"/, `The message quotes the echoed body: ${echoed}`);

    // An outage and a recovery: alerts in this window, notices for the second.
    const shownBefore = monitor.notifications.shown.length;
    secretSite.failing = true;
    await eventually('a down alert for the header target', () =>
      monitor.notifications.shown
        .slice(shownBefore)
        .some((shown) => (shown.kind === 'down' || shown.kind === 'downSummary') && shown.targetIds.includes('canary-header')),
    );
    const downNotice = await eventually('a notice of the outage to the second window', async () =>
      (await board!.readNotices(0)).find((notice) => JSON.stringify(notice.payload).includes('"DOWN"')),
    );
    secretSite.failing = false;
    await eventually('the recovery alert', () =>
      monitor.notifications.shown.slice(shownBefore).some((shown) => shown.kind === 'recovered' || shown.kind === 'recoveredSummary'),
    );
    await eventually(
      'the second window to be told of the recovery',
      async () => (await board!.readNotices(downNotice.seq)).some((notice) => JSON.stringify(notice.payload).includes('"UP"')) || undefined,
    );

    // Exports, as CSV and as JSON.
    const csvFile = vscode.Uri.file(join(exportDir, 'history.csv'));
    const jsonFile = vscode.Uri.file(join(exportDir, 'history.json'));
    await vscode.commands.executeCommand('networkMonitor.exportHistory', await own({ format: 'csv', range: '1h', file: csvFile }));
    await vscode.commands.executeCommand('networkMonitor.exportHistory', await own({ format: 'json', range: '1h', file: jsonFile }));
    assert.match(readFileSync(csvFile.fsPath, 'utf8'), /canary-header/, "The export holds the targets' checks.");

    // The local API, every route.
    const port = await freePort();
    await config().update('api.port', port, global);
    await config().update('api.enabled', true, global);
    await eventually('the API listens', () => monitor.api.port === port);
    await vscode.commands.executeCommand('networkMonitor.copyApiToken');
    const token = await vscode.env.clipboard.readText();
    const answers: string[] = [];
    for (const path of [
      '/api/health',
      '/api/status',
      '/api/targets',
      '/api/history/canary-header',
      '/api/history/canary-redirect?format=csv',
      '/api/history/canary-second-window',
      '/api/history/canary-echo',
      '/api/anomalies',
      '/api/report',
      '/metrics',
    ]) {
      const answer = await get(port, path, token);
      answers.push(`${path} ${answer.status}\n${answer.body}`);
    }
    assert.ok(
      answers.some((answer) => answer.startsWith('/api/status 200') && answer.includes('canary-header')),
      `The API answers with the targets:\n${answers.join('\n').slice(0, 2_000)}`,
    );

    // The scan. A file planted with the value proves the scan finds it.
    const planted = join(exportDir, 'planted-control.txt');
    writeFileSync(planted, `control ${SECRET_VALUE}\n`);
    assert.deepEqual(filesHolding([planted], SECRET_VALUE), [planted], 'The scan cannot find the value where it was planted.');
    rmSync(planted);
    const written = filesUnder(profileDir, [join(profileDir, 'chromium'), join(profileDir, 'workspace')]);
    const logFiles = written.filter((file) => file.endsWith('Network Monitor.log'));
    assert.ok(logFiles.length > 0, `No log of the extension among ${written.length} files.`);
    const log = logFiles.map((file) => readFileSync(file, 'utf8')).join('\n');
    assert.match(log, /Canary header: (UP|DOWN) in \d+ ms/, 'The log has no trace line of the checks, so trace logging is not on.');
    assert.ok(
      written.some((file) => file.startsWith(globalStorage)),
      'Global storage was not scanned.',
    );
    assert.ok(
      written.some((file) => file.endsWith('.notices')),
      'No notices file for the second window was scanned.',
    );

    assert.deepEqual(
      filesHolding([...written, csvFile.fsPath, jsonFile.fsPath], SECRET_VALUE),
      [],
      "The secret's value is in these files.",
    );
    assert.deepEqual(
      answers.filter((answer) => answer.includes(SECRET_VALUE)),
      [],
      "The secret's value is in these API answers.",
    );
    assert.equal(otherOrigin.carrying(SECRET_VALUE), 0, 'The redirect carried the secret to another origin.');
    const snapshotText = JSON.stringify(
      ['canary-header', 'canary-redirect', 'canary-echo'].map((id) => monitor.monitor.snapshot(id)?.lastRecord ?? null),
    );
    assert.ok(!snapshotText.includes(SECRET_VALUE), 'A check result holds the secret.');
  });
});
