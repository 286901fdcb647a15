/**
 * The local API in a real extension host: off by default; turned on through its setting it
 * answers on 127.0.0.1 with the token from Secret Storage, refuses a missing token and a foreign
 * Host, replaces its token on Rotate API Token, says clearly when its port is taken, and lets the
 * port go when turned off.
 */
import * as assert from 'node:assert/strict';
import { createServer as createHttpServer, request, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import * as vscode from 'vscode';
import { networkMonitor } from './networkMonitor';
import { eventually } from './eventually';

function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('Local API', () => {
  const config = () => vscode.workspace.getConfiguration('networkMonitor');
  let blocker: Server | undefined;
  let slowSite: HttpServer | undefined;

  after(async () => {
    blocker?.close();
    slowSite?.closeAllConnections();
    slowSite?.close();
    await config().update('targets', undefined, vscode.ConfigurationTarget.Global);
    await config().update('api.enabled', undefined, vscode.ConfigurationTarget.Global);
    await config().update('api.port', undefined, vscode.ConfigurationTarget.Global);
  });

  it('is off by default', async () => {
    const monitor = await networkMonitor();
    assert.equal(config().get('api.enabled'), false);
    assert.equal(config().get('api.port'), 5000);
    assert.equal(monitor.api.port, undefined);
  });

  it('answers with the token once enabled, and refuses a missing token or a foreign Host', async () => {
    const monitor = await networkMonitor();
    const port = await freePort();
    await config().update('api.port', port, vscode.ConfigurationTarget.Global);
    await config().update('api.enabled', true, vscode.ConfigurationTarget.Global);
    await eventually('the API listens', () => (monitor.api.port === port ? port : undefined));

    // Copy API Token makes the token on first use (kept in Secret Storage) and puts it on the clipboard.
    await vscode.commands.executeCommand('networkMonitor.copyApiToken');
    const stored = await vscode.env.clipboard.readText();
    assert.match(stored, /^[\w-]{20,}$/, 'the copied token');
    const host = `127.0.0.1:${port}`;
    const health = await get(port, '/api/health', { host, authorization: `Bearer ${stored}` });
    assert.equal(health.status, 200, health.body);
    assert.equal(JSON.parse(health.body).writer, true);
    const status = await get(port, '/api/status', { host, authorization: `Bearer ${stored}` });
    assert.equal(status.status, 200);
    assert.ok(Array.isArray(JSON.parse(status.body).targets));

    assert.equal((await get(port, '/api/status', { host })).status, 401);
    assert.equal((await get(port, '/api/status', { host: `evil.example:${port}`, authorization: `Bearer ${stored}` })).status, 403);
  });

  it('/api/targets shows a target as checking while its check runs, and when its next check is planned', async () => {
    const monitor = await networkMonitor();
    const port = monitor.api.port!;
    await vscode.commands.executeCommand('networkMonitor.copyApiToken');
    const headers = { host: `127.0.0.1:${port}`, authorization: `Bearer ${await vscode.env.clipboard.readText()}` };
    // The site holds its answers until the test lets them go, so the check is surely in flight when asked.
    const held: (() => void)[] = [];
    let letGo = false;
    slowSite = createHttpServer((_request, response) => (letGo ? response.end('ok') : held.push(() => response.end('ok'))));
    await new Promise<void>((resolve) => slowSite!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(slowSite.address() as AddressInfo).port}/slow`;
    await config().update('targets', [{ url, interval: 60, timeout: 30_000 }], vscode.ConfigurationTarget.Global);
    type Listed = { url: string; checking: boolean; next_check_at: string | null; last_check_at: string | null };
    const listed = async (): Promise<Listed | undefined> => {
      const response = await get(port, '/api/targets', headers);
      assert.equal(response.status, 200, response.body);
      return (JSON.parse(response.body) as { targets: Listed[] }).targets.find((target) => target.url === url);
    };
    // A target new to the history is checked at once.
    await eventually('the site is asked', () => held.length > 0);
    const during = await listed();
    assert.equal(during?.checking, true, 'the check is running');

    // The check ends after this, and plans the next one after its end.
    const releasedAt = Date.now();
    letGo = true;
    for (const answer of held.splice(0)) answer();
    const after = await eventually('the check is recorded', async () => {
      const entry = await listed();
      return entry && entry.last_check_at !== null && !entry.checking ? entry : undefined;
    });
    assert.ok(after.next_check_at !== null, 'the next check is planned');
    assert.ok(Date.parse(after.next_check_at) > releasedAt, `the next check (${after.next_check_at}) is still to come`);
  });

  it('Rotate API Token refuses the old token at once and serves the new one on the same port', async () => {
    const monitor = await networkMonitor();
    const port = monitor.api.port!;
    const host = `127.0.0.1:${port}`;
    await vscode.commands.executeCommand('networkMonitor.copyApiToken');
    const oldToken = await vscode.env.clipboard.readText();
    assert.equal((await get(port, '/api/health', { host, authorization: `Bearer ${oldToken}` })).status, 200);
    await vscode.commands.executeCommand('networkMonitor.rotateApiToken');
    assert.equal(monitor.api.port, port, 'the port was kept');
    assert.equal((await get(port, '/api/health', { host, authorization: `Bearer ${oldToken}` })).status, 401);
    await vscode.commands.executeCommand('networkMonitor.copyApiToken');
    const newToken = await vscode.env.clipboard.readText();
    assert.notEqual(newToken, oldToken);
    assert.match(newToken, /^[\w-]{20,}$/, 'the new token');
    assert.equal((await get(port, '/api/health', { host, authorization: `Bearer ${newToken}` })).status, 200);
  });

  it('lets the port go when turned off, and says clearly when the port is taken', async () => {
    const monitor = await networkMonitor();
    const port = monitor.api.port!;
    await config().update('api.enabled', false, vscode.ConfigurationTarget.Global);
    await eventually('the API stops', () => monitor.api.port === undefined);
    blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => blocker!.once('listening', resolve));
    await config().update('api.enabled', true, vscode.ConfigurationTarget.Global);
    const problem = await eventually('the port problem is reported', () => monitor.api.problem);
    assert.match(problem, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already used by another program`));
    assert.equal(monitor.api.port, undefined);
  });
});
