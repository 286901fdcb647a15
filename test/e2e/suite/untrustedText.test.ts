/**
 * What others control, in a real extension host: a server on 127.0.0.1 whose JSON answer is a
 * command link, and a target named with links, reach the editor's warning, down and recovery
 * messages with no link VS Code would draw (its own pattern, test/support/notificationLinks.ts)
 * and with their words kept. Commands run with arguments the way a `command:` link runs them
 * (plain JSON, not made by Network Monitor) refuse them and change nothing.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { NetworkMonitorApi } from '../../../src/extension';
import { linksInNotification } from '../../support/notificationLinks';
import { eventually, WAIT_MS } from './eventually';

const EXTENSION_ID = 'network-monitor.network-monitor';
const DEFAULTS = ['defaults.interval', 'defaults.timeout', 'defaults.retries', 'defaults.alertThreshold'];
const HOSTILE_NAME = 'Linked [Docs](https://evil.test/) API <command:foo>';
const RUNBOOK = '[Open runbook](command:workbench.action.openSettings)';

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('networkMonitor');
}

describe('Text others wrote, in the editor', function () {
  this.timeout(3 * WAIT_MS);
  let monitor: NetworkMonitorApi;
  let server: Server;
  let url: string;
  let status = RUNBOOK;

  before(async () => {
    const extension = vscode.extensions.getExtension<NetworkMonitorApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded.`);
    monitor = await extension.activate();
    await monitor.ready;
    server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ status }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    const global = vscode.ConfigurationTarget.Global;
    await config().update('defaults.interval', 1, global);
    await config().update('defaults.timeout', 2_000, global);
    await config().update('defaults.retries', 0, global);
    await config().update('defaults.alertThreshold', 2, global);
  });

  after(async () => {
    for (const key of ['targets', 'alertChannels', ...DEFAULTS]) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    server.closeAllConnections();
    server.close();
  });

  it('a server answering a command link and a target named with links give warning, down and recovery messages with no live link', async () => {
    // Both logs keep only their last entries, so they are read by time, not by index.
    const since = Date.now();
    const kinds = (): string[] =>
      monitor.notifications.shown.filter((notification) => notification.at >= since).map((notification) => notification.kind);
    await config().update('targets', [{ url, name: HOSTILE_NAME, jsonPath: '$.status', equals: 'ok' }], vscode.ConfigurationTarget.Global);
    await eventually('a down notification is shown', () => kinds().includes('down'));
    status = 'ok';
    await eventually('a recovery notification is shown', () => kinds().includes('recovered'));
    assert.ok(kinds().includes('warning'), 'the 1 s interval is warned about, with the name');

    const texts = monitor.editorMessages.filter((message) => message.at >= since).map((message) => message.text);
    for (const text of texts) assert.deepEqual(linksInNotification(text), [], `a link is left in: ${text}`);
    const aboutTarget = texts.filter((text) => text.includes('Docs') && text.includes('evil.test'));
    assert.ok(aboutTarget.length >= 3, `the warning, down and recovery messages name the target: ${texts.join('\n')}`);
    assert.ok(
      aboutTarget.some((text) => text.includes('Open runbook') && text.includes('workbench.action.openSettings')),
      'the down message still says what the server answered',
    );
  });

  it('commands run with arguments that did not come from Network Monitor, as a command link runs them, change nothing', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'nm-linked-'));
    const since = Date.now();
    try {
      const file = vscode.Uri.file(join(folder, 'history.csv'));
      const backup = join(folder, 'kuma-backup.json');
      const monitors = [{ id: 1, name: 'Linked import', type: 'http', url: 'http://127.0.0.1:9/imported', interval: 60, active: true }];
      writeFileSync(backup, JSON.stringify({ version: '1.23.16', monitorList: monitors }));
      const ownChannel = monitor.ownArguments({ name: 'kept', format: 'slack', url: 'http://127.0.0.1:9/kept' });
      await vscode.commands.executeCommand('networkMonitor.addAlertChannel', ownChannel);
      await config().update('targets', [{ url, name: 'Kept target' }], vscode.ConfigurationTarget.Global);
      const id = await eventually(
        'the target to be read',
        () => monitor.targets.targets.find((configured) => configured.target.name === 'Kept target')?.target.id,
      );
      const channelsBefore = config().inspect('alertChannels')?.globalValue;
      const targetsBefore = config().inspect('targets')?.globalValue;

      // What a command link passes: JSON (a file argument arrives as a URI, as VS Code revives it).
      const linked: [command: string, argument: unknown][] = [
        ['networkMonitor.addAlertChannel', { name: 'linked', format: 'slack', url: 'http://127.0.0.1:9/hook' }],
        ['networkMonitor.removeAlertChannel', { name: 'kept' }],
        ['networkMonitor.exportHistory', { format: 'csv', range: '1h', file }],
        ['networkMonitor.addTarget', { url: 'http://127.0.0.1:9/linked' }],
        ['networkMonitor.importTargets', { file: backup, all: true }],
        ['networkMonitor.storeSecret', { name: 'linkedToken', value: 'from-a-link', origins: [new URL(url).origin] }],
        ['networkMonitor.setProxyCredentials', { username: 'linked', password: 'from-a-link' }],
      ];
      for (const [command, argument] of linked) await vscode.commands.executeCommand(command, argument);
      // A link cannot skip Remove Target's question (which a test host refuses to show: the command fails) nor Edit Target's steps.
      const removed = await vscode.commands.executeCommand('networkMonitor.removeTarget', id, { confirm: false });
      assert.notEqual(removed, true, 'the target was not removed without asking');
      let editDone = false;
      const editing = Promise.resolve(
        vscode.commands.executeCommand('networkMonitor.editTarget', id, { name: 'renamed by a link' }),
      ).finally(() => (editDone = true));
      await eventually('the edit steps to open and be closed', async () => {
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        return editDone;
      });
      assert.equal(await editing, undefined, 'nothing was edited');
      assert.deepEqual(monitor.alertChannels.channelNames, ['kept'], 'no alert channel was added or removed');
      assert.deepEqual(config().inspect('alertChannels')?.globalValue, channelsBefore, 'the channel settings are untouched');
      assert.ok(!existsSync(file.fsPath), 'no file was written');
      assert.deepEqual(config().inspect('targets')?.globalValue, targetsBefore, 'the target settings are untouched');

      // No secret was stored: a header that uses it stays unresolved once the settings are read again.
      const secretUser = { url: `${url}?private`, name: 'Secret user', headers: { Authorization: 'Bearer ${secret:linkedToken}' } };
      await config().update('targets', [{ url, name: 'Read again' }, secretUser], vscode.ConfigurationTarget.Global);
      await eventually('the settings to be read again', () =>
        monitor.targets.targets.some((configured) => configured.target.name === 'Read again'),
      );
      for (const { target } of monitor.targets.targets)
        assert.notEqual(target.http?.headers.authorization, 'Bearer from-a-link', target.name);
      const refusals = monitor.editorMessages
        .filter((message) => message.at >= since)
        .filter((message) => message.text.includes('did not come from Network Monitor'));
      assert.equal(refusals.length, linked.length, 'each refusal is said');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
