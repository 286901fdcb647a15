/**
 * Behind a proxy, in a real extension host: with http.proxy pointing at a real Squid on 127.0.0.1
 * that asks for credentials, a target whose name only the proxy can resolve is UP once Set Proxy
 * Credentials has stored them, and a target in http.noProxy is reached directly. Skipped, saying
 * so, where squid is not installed (.ci/run installs it).
 */
import * as assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import type { NetworkMonitorApi } from '../../../src/extension';
import { squidUnavailable, startSquid, type RunningSquid } from '../../support/squidProxy';
import { eventually, WAIT_MS } from './eventually';

const EXTENSION_ID = 'network-monitor.network-monitor';

describe('Behind a proxy', function () {
  this.timeout(3 * WAIT_MS);
  let monitor: NetworkMonitorApi;
  let squid: RunningSquid | undefined;
  let site: Server;
  let port = 0;
  const received: IncomingHttpHeaders[] = [];
  const http = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('http');
  const targets = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('networkMonitor');

  before(async function () {
    const unavailable = squidUnavailable();
    if (unavailable) {
      console.log(`    skipped: ${unavailable}`);
      this.skip();
    }
    const extension = vscode.extensions.getExtension<NetworkMonitorApi>(EXTENSION_ID);
    assert.ok(extension);
    monitor = await extension.activate();
    await monitor.ready;
    site = createServer((request, response) => {
      received.push(request.headers);
      response.end('through the proxy');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    port = (site.address() as AddressInfo).port;
    squid = await startSquid({ hosts: { 'proxy-only.test': '127.0.0.1' }, user: { name: 'editor', password: 'proxy-pass' } });
    await targets().update('defaults.interval', 1, vscode.ConfigurationTarget.Global);
    await http().update('proxy', squid.url, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    if (!squid) return;
    await targets().update('targets', undefined, vscode.ConfigurationTarget.Global);
    await targets().update('defaults.interval', undefined, vscode.ConfigurationTarget.Global);
    await http().update('proxy', undefined, vscode.ConfigurationTarget.Global);
    await http().update('noProxy', undefined, vscode.ConfigurationTarget.Global);
    await squid.close();
    site.close();
  });

  it('a name only the proxy resolves is UP once the proxy credentials are stored, and they never reach the target', async () => {
    const url = `http://proxy-only.test:${port}/`;
    await targets().update('targets', [url], vscode.ConfigurationTarget.Global);
    const snapshot = () => monitor.monitor.snapshots().find((candidate) => candidate.configured.target.url === url);
    await eventually(
      'the proxy refuses the check without credentials',
      () => snapshot()?.lastRecord?.statusCode === 407 || snapshot()?.lastRecord?.message.includes('407'),
    );
    await vscode.commands.executeCommand(
      'networkMonitor.setProxyCredentials',
      monitor.ownArguments({ username: 'editor', password: 'proxy-pass' }),
    );
    await eventually('the target is UP through the proxy', () => snapshot()?.status === 'UP');
    assert.ok(
      received.length > 0 && received.every((headers) => headers['proxy-authorization'] === undefined),
      'the proxy credentials stay with the proxy',
    );
  });

  it('a target in http.noProxy is reached directly', async () => {
    const before = squid!.accessLog().length;
    const url = `http://127.0.0.1:${port}/direct`;
    await http().update('noProxy', ['127.0.0.1'], vscode.ConfigurationTarget.Global);
    await targets().update('targets', [url], vscode.ConfigurationTarget.Global);
    await eventually(
      'the direct target is UP',
      () => monitor.monitor.snapshots().find((candidate) => candidate.configured.target.url === url)?.status === 'UP',
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok(
      !squid!
        .accessLog()
        .slice(before)
        .some((line) => line.includes('/direct')),
      'the proxy saw nothing of it',
    );
  });
});
