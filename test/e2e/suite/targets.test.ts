/**
 * Targets through the commands, in a real extension host: adding, editing, pausing and removing a
 * target changes the settings and the tree; a server going down and coming back reaches the tree,
 * the status bar and the notifications; a malformed entry is reported and skipped. The servers
 * are real, on 127.0.0.1, started by the suite.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { NetworkMonitorApi } from '../../../src/extension';
import type { TargetNode } from '../../../src/vscode/tree/targetNodes';
import { RestartableSite } from '../../support/restartableSite';
import { networkMonitor } from './networkMonitor';
import { eventually, WAIT_MS } from './eventually';

const SECTION = 'networkMonitor';

/** Command arguments as Network Monitor's own code makes them: the commands that change secrets, channels, settings and files take only these. */
async function own<T extends object>(args: T): Promise<T> {
  return (await networkMonitor()).ownArguments(args);
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

function userTargets(): unknown[] {
  return (config().inspect<unknown[]>('targets')?.globalValue ?? []) as unknown[];
}

function workspaceTargets(): unknown[] {
  return (config().inspect<unknown[]>('targets')?.workspaceValue ?? []) as unknown[];
}

async function nodes(monitor: NetworkMonitorApi): Promise<TargetNode[]> {
  return (await monitor.tree.getChildren()).filter((node): node is TargetNode => node.kind === 'target');
}

function item(monitor: NetworkMonitorApi, targetId: string): vscode.TreeItem | undefined {
  const node = monitor.tree.node(targetId);
  return node ? monitor.tree.getTreeItem(node) : undefined;
}

function iconColor(treeItem: vscode.TreeItem | undefined): string | undefined {
  return ((treeItem?.iconPath as vscode.ThemeIcon | undefined)?.color as vscode.ThemeColor | undefined)?.id;
}

async function resetSettings(): Promise<void> {
  await config().update('targets', undefined, vscode.ConfigurationTarget.Global);
  await config().update('targets', undefined, vscode.ConfigurationTarget.Workspace);
}

describe('Targets through the commands', function () {
  this.timeout(3 * WAIT_MS);
  const site = new RestartableSite();
  let monitor: NetworkMonitorApi;

  before(async () => {
    monitor = await networkMonitor();
    await site.start();
    await resetSettings();
    // Fast checks so the suite sees state changes in seconds.
    await config().update('defaults.interval', 1, vscode.ConfigurationTarget.Global);
    await config().update('defaults.timeout', 2_000, vscode.ConfigurationTarget.Global);
    await config().update('defaults.retries', 0, vscode.ConfigurationTarget.Global);
    await config().update('defaults.alertThreshold', 2, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await resetSettings();
    for (const key of ['defaults.interval', 'defaults.timeout', 'defaults.retries', 'defaults.alertThreshold']) {
      await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    }
    await site.stop();
  });

  it('this window checks the targets (it holds the writer lease)', async () => {
    assert.equal(monitor.monitor.role, 'writer');
    // A figure for the record, not an assertion: activate() itself must stay cheap.
    console.log(
      `    activate() took ${monitor.timings.activateMs.toFixed(1)} ms; monitoring was running ${monitor.timings.readyMs?.toFixed(0)} ms after it began`,
    );
  });

  it('Add Target saves the entry to user settings and the tree shows it UP', async () => {
    const id = await vscode.commands.executeCommand<string>('networkMonitor.addTarget', await own({ url: site.url, name: 'local site' }));
    assert.ok(id, 'Add Target returned no id.');
    assert.deepEqual(userTargets(), [{ url: site.url, name: 'local site' }]);
    assert.deepEqual(
      (await nodes(monitor)).map((node) => node.snapshot.configured.target.name),
      ['local site'],
    );
    await eventually('the tree shows the new target UP', () => item(monitor, id)?.contextValue === 'target+up');
    const treeItem = item(monitor, id)!;
    assert.equal(iconColor(treeItem), 'networkMonitor.up');
    assert.match(String(treeItem.description), /^UP · \d+ ms/);
    assert.match((treeItem.tooltip as vscode.MarkdownString).value, /HTTP 200/);
    await eventually('the status bar counts it', () => monitor.statusBar.text === '$(pulse) 1 up');
    assert.equal(monitor.statusBar.background, undefined);
    // Both tooltips name the machine the checks leave from. code-server serves the workbench to a
    // browser, so to VS Code this window is remote (its remoteName is the server's address).
    const onThisComputer =
      vscode.env.remoteName === undefined
        ? `Checks run on this computer (${hostname()})`
        : `Checks run on the remote machine ${hostname()} (`;
    const unescaped = (markdown: string): string => markdown.replace(/\\/g, '').replace(/&nbsp;/g, ' ');
    assert.ok(
      unescaped((treeItem.tooltip as vscode.MarkdownString).value).includes(onThisComputer),
      (treeItem.tooltip as vscode.MarkdownString).value,
    );
    assert.ok(unescaped(monitor.statusBar.tooltipMarkdown).includes(onThisComputer), monitor.statusBar.tooltipMarkdown);
  });

  it('Add Target refuses a duplicate and an unsupported scheme, and leaves the settings alone', async () => {
    const before = JSON.stringify(userTargets());
    assert.equal(await vscode.commands.executeCommand('networkMonitor.addTarget', await own({ url: site.url })), undefined);
    assert.equal(await vscode.commands.executeCommand('networkMonitor.addTarget', await own({ url: 'ftp://127.0.0.1/' })), undefined);
    assert.equal(JSON.stringify(userTargets()), before);
  });

  it('Edit Target renames the entry where it lives and the tree follows', async () => {
    const id = (await nodes(monitor))[0]!.targetId;
    await vscode.commands.executeCommand('networkMonitor.editTarget', id, await own({ name: 'renamed site', interval: 2 }));
    assert.deepEqual(userTargets(), [{ url: site.url, name: 'renamed site', interval: 2 }]);
    assert.equal(item(monitor, id)?.label, 'renamed site');
  });

  it('Pause Target and Resume Target write `paused` and change the node and the status bar', async () => {
    const id = (await nodes(monitor))[0]!.targetId;
    await vscode.commands.executeCommand('networkMonitor.pauseTarget', id);
    assert.deepEqual(userTargets(), [{ url: site.url, name: 'renamed site', interval: 2, paused: true }]);
    await eventually('the node shows the pause', () => item(monitor, id)?.contextValue === 'target+up+paused');
    assert.equal(iconColor(item(monitor, id)), 'networkMonitor.paused');
    await eventually('the status bar counts it paused', () => monitor.statusBar.text === '$(pulse) 1 paused');

    await vscode.commands.executeCommand('networkMonitor.resumeTarget', id);
    assert.deepEqual(userTargets(), [{ url: site.url, name: 'renamed site', interval: 2 }]);
    await eventually('the node is no longer paused', () => item(monitor, id)?.contextValue === 'target+up');
  });

  it('Pause All and Resume All pause every target in the settings', async () => {
    await vscode.commands.executeCommand('networkMonitor.pauseAll');
    assert.deepEqual(userTargets(), [{ url: site.url, name: 'renamed site', interval: 2, paused: true }]);
    await vscode.commands.executeCommand('networkMonitor.resumeAll');
    assert.deepEqual(userTargets(), [{ url: site.url, name: 'renamed site', interval: 2 }]);
  });

  it('a server going down and coming back reaches the tree, the status bar, the notifications and an alert channel', async () => {
    const id = (await nodes(monitor))[0]!.targetId;
    await config().update('targets', [site.url], vscode.ConfigurationTarget.Global);
    await eventually('the target is UP', () => monitor.monitor.snapshot(id)?.status === 'UP');
    const shownBefore = monitor.notifications.shown.length;

    // A Slack-style receiver on 127.0.0.1, added as an alert channel through the command.
    const posted: { text: string }[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        posted.push(JSON.parse(body) as { text: string });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/services/T0/B0/secret-part`;
    await vscode.commands.executeCommand('networkMonitor.addAlertChannel', await own({ name: 'team', format: 'slack', url: hookUrl }));
    assert.deepEqual(
      config().inspect('alertChannels')?.globalValue,
      [{ name: 'team', format: 'slack' }],
      'the settings hold the name and format, not the address',
    );
    assert.deepEqual(monitor.alertChannels.channelNames, ['team']);

    await site.stop();
    await eventually('the tree shows it DOWN', () => item(monitor, id)?.contextValue === 'target+down');
    assert.equal(iconColor(item(monitor, id)), 'networkMonitor.down');
    await eventually(
      'the status bar says 1 down on the error background',
      () => monitor.statusBar.text === '$(pulse) 1 down' && monitor.statusBar.background === 'error',
    );
    await eventually('a down notification is shown', () =>
      monitor.notifications.shown.slice(shownBefore).some((shown) => shown.kind === 'down' && shown.targetIds.includes(id)),
    );

    await site.start();
    await eventually('the tree shows it UP again', () => item(monitor, id)?.contextValue === 'target+up');
    await eventually(
      'the status bar is back to 1 up',
      () => monitor.statusBar.text === '$(pulse) 1 up' && monitor.statusBar.background === undefined,
    );
    await eventually('a recovery notification is shown', () =>
      monitor.notifications.shown.slice(shownBefore).some((shown) => shown.kind === 'recovered'),
    );
    const downs = monitor.notifications.shown.slice(shownBefore).filter((shown) => shown.kind === 'down');
    assert.equal(downs.length, 1, 'one outage, one down notification');
    try {
      await eventually('the alert channel got the alert and the recovery', () => posted.length >= 2);
      assert.deepEqual(
        posted.map((message) => message.text.slice(0, 2)),
        ['🔴', '🟢'],
        'one alert, one recovery, in order',
      );
    } finally {
      await vscode.commands.executeCommand('networkMonitor.removeAlertChannel', await own({ name: 'team' }));
      receiver.close();
    }
    assert.deepEqual(monitor.alertChannels.channelNames, []);
    await eventually('the outage is a child of the node', async () => (await monitor.tree.getChildren(monitor.tree.node(id))).length > 0);
  });

  it('Snooze Target keeps checking a target that goes down but says nothing until the snooze ends', async () => {
    await config().update('targets', [site.url], vscode.ConfigurationTarget.Global);
    const id = await eventually(
      'the target is UP',
      async () => (await nodes(monitor)).find((node) => node.snapshot.status === 'UP')?.targetId,
    );
    await vscode.commands.executeCommand('networkMonitor.snoozeTarget', id, 60);
    const written = userTargets()[0] as { snoozeUntil?: string };
    assert.ok(written.snoozeUntil && Date.parse(written.snoozeUntil) > Date.now() + 50 * 60_000, 'the snooze is written to the entry');
    await eventually(
      'the tree says it is snoozed',
      () => item(monitor, id)?.contextValue?.endsWith('+snoozed') && String(item(monitor, id)?.description).includes('snoozed until'),
    );
    const shownBefore = monitor.notifications.shown.length;
    await site.stop();
    try {
      await eventually(
        'it has failed past the alert threshold while snoozed',
        () => (monitor.monitor.snapshot(id)?.consecutiveFailures ?? 0) >= 3,
      );
      assert.equal(
        monitor.notifications.shown.slice(shownBefore).filter((shown) => shown.kind === 'down').length,
        0,
        'no alert while snoozed',
      );
      assert.equal(monitor.monitor.snapshot(id)?.lastRecord?.maintenance, true, 'its checks are recorded as made during maintenance');
      await vscode.commands.executeCommand('networkMonitor.endSnooze', id);
      await eventually('the outage is announced once the snooze ends', () =>
        monitor.notifications.shown.slice(shownBefore).some((shown) => shown.kind === 'down' && shown.targetIds.includes(id)),
      );
    } finally {
      await site.start();
    }
    await eventually('the target is UP again', () => monitor.monitor.snapshot(id)?.status === 'UP');
  });

  it('Export History writes the recorded checks of the target to the file given, as CSV and as JSON', async () => {
    const id = (await nodes(monitor))[0]!.targetId;
    const folder = vscode.Uri.file(mkdtempSync(join(tmpdir(), 'nm-export-')));
    try {
      const csvFile = vscode.Uri.joinPath(folder, 'history.csv');
      await vscode.commands.executeCommand(
        'networkMonitor.exportHistory',
        await own({ format: 'csv', range: '1h', targetIds: [id], file: csvFile }),
      );
      const lines = readFileSync(csvFile.fsPath, 'utf8').trim().split('\r\n');
      assert.match(lines[0]!, /^time,started_at_ms,target_id,target,name,status,/);
      const statuses = new Set(lines.slice(1).map((line) => line.split(',')[5]));
      assert.ok(statuses.has('UP') && statuses.has('DOWN'), `The export holds the outage and the recovery: ${[...statuses].join(', ')}`);
      assert.ok(
        lines.slice(1).every((line) => line.split(',')[2] === id),
        'Only the chosen target is exported.',
      );

      const jsonFile = vscode.Uri.joinPath(folder, 'history.json');
      await vscode.commands.executeCommand(
        'networkMonitor.exportHistory',
        await own({
          format: 'json',
          range: '1h',
          targetIds: [id],
          file: jsonFile,
        }),
      );
      const exported = JSON.parse(readFileSync(jsonFile.fsPath, 'utf8')) as { checks: { targetId: string }[] };
      // Other suites in this extension host leave history of their own targets: compare the chosen one's.
      assert.ok(
        exported.checks.every((check) => check.targetId === id),
        'Only the chosen target is exported as JSON.',
      );
      assert.equal(exported.checks.length, lines.length - 1);
    } finally {
      rmSync(folder.fsPath, { recursive: true, force: true });
    }
  });

  it('Show Report opens a Markdown report with the target and its availability', async () => {
    await vscode.commands.executeCommand('networkMonitor.showReport', '1h');
    const document = vscode.window.activeTextEditor?.document;
    assert.equal(document?.languageId, 'markdown');
    const text = document!.getText();
    assert.match(text, /^# Network Monitor report/);
    assert.match(text, new RegExp(`\\| ${site.url.replace(/[.:/]/g, '\\$&')} \\| UP \\| \\d+(\\.\\d+)?% \\|`));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('Open Dashboard opens the dashboard webview', async () => {
    await vscode.commands.executeCommand('networkMonitor.openDashboard');
    const isDashboard = (tab: vscode.Tab): boolean =>
      tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('networkMonitor.dashboard');
    await eventually('a dashboard tab is open', () => vscode.window.tabGroups.all.some((group) => group.tabs.some(isDashboard)));
    const tab = vscode.window.tabGroups.all.flatMap((group) => group.tabs).find(isDashboard)!;
    await vscode.window.tabGroups.close(tab);
  });

  it('Mute Target silences a target and shows it in the context value', async () => {
    const id = (await nodes(monitor))[0]!.targetId;
    await vscode.commands.executeCommand('networkMonitor.muteTarget', id);
    assert.equal(monitor.mutes.isMuted(id), true);
    assert.equal(item(monitor, id)?.contextValue, 'target+up+muted');
    await vscode.commands.executeCommand('networkMonitor.unmuteTarget', id);
    assert.equal(monitor.mutes.isMuted(id), false);
  });

  it('Remove Target deletes the entry and the node', async () => {
    const id = (await nodes(monitor))[0]!.targetId;
    const removed = await vscode.commands.executeCommand<boolean>('networkMonitor.removeTarget', id, await own({ confirm: false }));
    assert.equal(removed, true);
    assert.deepEqual(userTargets(), []);
    assert.equal((await nodes(monitor)).length, 0);
    await eventually('the status bar says there are no targets', () => monitor.statusBar.text === '$(pulse) no targets');
  });

  it('user and workspace lists are merged; a workspace entry may not take the place of a user target', async () => {
    const reportedBefore = monitor.targets.reported.length;
    await config().update('targets', [site.url, 'tcp://127.0.0.1:9'], vscode.ConfigurationTarget.Global);
    await config().update('targets', [{ url: site.url, name: 'team site' }, 'tcp://127.0.0.1:12'], vscode.ConfigurationTarget.Workspace);
    await eventually('both lists are read', async () => (await nodes(monitor)).length === 3);
    const names = (await nodes(monitor)).map((node) => node.snapshot.configured.target.name);
    assert.deepEqual(names, [site.url, 'tcp://127.0.0.1:9', 'tcp://127.0.0.1:12']);
    assert.match(
      monitor.targets.reported
        .slice(reportedBefore)
        .map((problem) => problem.message)
        .join('\n'),
      /networkMonitor\.targets\[0\] in Workspace settings is skipped: it has the id "\w+" of a target in your User settings/,
    );
    await vscode.commands.executeCommand('networkMonitor.addTarget', await own({ url: 'tcp://127.0.0.1:10', level: 'workspace' }));
    assert.deepEqual(workspaceTargets(), [{ url: site.url, name: 'team site' }, 'tcp://127.0.0.1:12', 'tcp://127.0.0.1:10']);
    await resetSettings();
    await eventually('the tree is empty again', async () => (await nodes(monitor)).length === 0);
  });

  it('a malformed entry is reported once with its position and skipped; the others run', async () => {
    const reportedBefore = monitor.targets.reported.length;
    await config().update(
      'targets',
      [site.url, 'ftp://127.0.0.1/', { url: 'tcp://127.0.0.1:11', interval: -5 }],
      vscode.ConfigurationTarget.Global,
    );
    await eventually('the good entry is in the tree', async () => (await nodes(monitor)).length === 1);
    assert.equal((await nodes(monitor))[0]!.snapshot.configured.target.url, site.url);
    const reported = monitor.targets.reported.slice(reportedBefore);
    assert.deepEqual(
      reported.map((problem) => problem.origin.index),
      [1, 2],
    );
    assert.match(reported[0]!.message, /^networkMonitor\.targets\[1\] in User settings is skipped: Unsupported scheme "ftp:\/\/"/);
    assert.match(reported[1]!.message, /^networkMonitor\.targets\[2\] in User settings is skipped: "interval"/);

    // Another settings change re-reads the list: the same problems are not reported again.
    await config().update('defaults.timeout', 2_500, vscode.ConfigurationTarget.Global);
    await monitor.targets.reload();
    assert.equal(monitor.targets.reported.length, reportedBefore + 2);
    await eventually('the good entry is UP', async () => monitor.monitor.snapshot((await nodes(monitor))[0]!.targetId)?.status === 'UP');
  });

  /** Stores the secret `suiteToken` (abc123), bound to the suite's site. */
  async function storeSuiteToken(): Promise<void> {
    const args = await own({ name: 'suiteToken', value: 'abc123', origins: [new URL(site.url).origin] });
    await vscode.commands.executeCommand('networkMonitor.storeSecret', args);
  }

  it('a secret header is resolved from SecretStorage for the origin it was stored for, and never written to settings', async () => {
    await storeSuiteToken();
    const entry = { url: `${site.url}private`, headers: { Authorization: 'Bearer ${secret:suiteToken}' } };
    await config().update('targets', [entry], vscode.ConfigurationTarget.Global);
    await eventually(
      'the target is read',
      async () => (await nodes(monitor)).length === 1 && (await nodes(monitor))[0]!.snapshot.configured.target.url === entry.url,
    );
    const target = (await nodes(monitor))[0]!.snapshot.configured.target;
    assert.equal(target.http?.headers.authorization, 'Bearer abc123');
    assert.deepEqual(userTargets(), [entry]);
  });

  it('a workspace entry that would send a secret to another origin is refused, listed in the tree with the reason, and sends nothing', async () => {
    const elsewhere = new RestartableSite();
    await elsewhere.start();
    try {
      await config().update('targets', undefined, vscode.ConfigurationTarget.Global);
      await storeSuiteToken();
      const entry = { url: elsewhere.url, name: 'repository target', headers: { 'X-Token': '${secret:suiteToken}' } };
      await config().update('targets', [entry], vscode.ConfigurationTarget.Workspace);
      const held = await eventually('the entry is held back as refused', async () =>
        (await monitor.tree.getChildren()).find((node) => node.kind === 'held' && node.held.label === 'repository target'),
      );
      const item = monitor.tree.getTreeItem(held);
      assert.equal(item.contextValue, 'held+refused');
      assert.match(
        (item.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' '),
        /The secret "suiteToken" is stored for http:\/\/127\.0\.0\.1:\d+, not for http:\/\/127\.0\.0\.1:\d+/,
      );
      assert.equal((await nodes(monitor)).length, 0);
      assert.equal(elsewhere.hits, 0, "the refused target's server got no request");
    } finally {
      await config().update('targets', undefined, vscode.ConfigurationTarget.Workspace);
      await elsewhere.stop();
    }
  });

  it('a workspace entry that would POST a secret waits for approval, sends nothing, and a command cannot approve it without asking', async () => {
    const api = new RestartableSite();
    await api.start();
    try {
      await config().update('targets', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand(
        'networkMonitor.storeSecret',
        await own({ name: 'suiteToken', value: 'abc123', origins: [new URL(api.url).origin] }),
      );
      const entry = { url: api.url, name: 'repository write', method: 'POST', headers: { Authorization: 'Bearer ${secret:suiteToken}' } };
      await config().update('targets', [entry], vscode.ConfigurationTarget.Workspace);
      const held = await eventually('the entry is held back for approval', async () =>
        (await monitor.tree.getChildren()).find((node) => node.kind === 'held' && node.held.label === 'repository write'),
      );
      assert.equal(monitor.tree.getTreeItem(held).contextValue, 'held+approval');
      const key = held.kind === 'held' ? held.held.approval?.key : undefined;
      assert.match(key ?? '', /^[0-9a-f]{64}$/);
      // With the key as its argument (as a command link could give it), the command still asks; the test host declines.
      await vscode.commands.executeCommand('networkMonitor.approveWorkspaceTarget', key);
      await monitor.targets.reload();
      assert.equal((await nodes(monitor)).length, 0, 'still not a target');
      assert.equal(api.hits, 0, 'the server got no request');
    } finally {
      await config().update('targets', undefined, vscode.ConfigurationTarget.Workspace);
      await api.stop();
    }
  });

  it('Import Targets reads an Uptime Kuma backup: the monitors that map join the user settings, their credentials go to Secret Storage', async () => {
    await resetSettings();
    const folder = mkdtempSync(join(tmpdir(), 'nm-import-'));
    const backup = join(folder, 'kuma-backup.json');
    writeFileSync(
      backup,
      JSON.stringify({
        version: '1.23.16',
        monitorList: [
          {
            id: 1,
            name: 'Imported site',
            type: 'http',
            url: `${site.url}imported`,
            interval: 1,
            accepted_statuscodes: ['200-299'],
            active: true,
            headers: '{"Authorization": "Bearer from-kuma"}',
          },
          { id: 2, name: 'Router', type: 'ping', hostname: '192.0.2.1' },
        ],
      }),
    );
    try {
      const hitsBefore = site.receivedHeaders.length;
      const imported = await vscode.commands.executeCommand<number>('networkMonitor.importTargets', await own({ file: backup, all: true }));
      assert.equal(imported, 1, 'the ping monitor cannot be imported');
      assert.deepEqual(
        userTargets(),
        [
          {
            url: `${site.url}imported`,
            name: 'Imported site',
            headers: { Authorization: '${secret:Imported-site-Authorization}' },
            interval: 1,
          },
        ],
        'no credential in the settings',
      );
      await eventually('the imported target is checked with its credential', () =>
        site.receivedHeaders.slice(hitsBefore).some((headers) => headers.authorization === 'Bearer from-kuma'),
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
      await resetSettings();
    }
  });

  it('Import Targets leaves out headers that name a stored secret, and keeps a stored secret whose name the file reuses', async () => {
    await resetSettings();
    const origin = new URL(site.url).origin;
    await vscode.commands.executeCommand(
      'networkMonitor.storeSecret',
      await own({ name: 'suiteToken', value: 'abc123', origins: [origin] }),
    );
    await vscode.commands.executeCommand(
      'networkMonitor.storeSecret',
      await own({ name: 'Clash-site-Authorization', value: 'Bearer mine', origins: [origin] }),
    );
    const folder = mkdtempSync(join(tmpdir(), 'nm-import-'));
    const backup = join(folder, 'kuma-backup.json');
    writeFileSync(
      backup,
      JSON.stringify({
        monitorList: [
          {
            id: 1,
            name: 'Thief',
            type: 'http',
            url: `${site.url}thief`,
            interval: 1,
            headers: '{"X-Token": "${secret:suiteToken}", "Accept": "text/plain"}',
          },
          {
            id: 2,
            name: 'Clash site',
            type: 'http',
            url: `${site.url}clash`,
            interval: 1,
            headers: '{"Authorization": "Bearer from-file"}',
          },
        ],
      }),
    );
    try {
      const hitsBefore = site.receivedHeaders.length;
      const imported = await vscode.commands.executeCommand<number>('networkMonitor.importTargets', await own({ file: backup, all: true }));
      assert.equal(imported, 2);
      assert.deepEqual(userTargets(), [
        { url: `${site.url}thief`, name: 'Thief', headers: { Accept: 'text/plain' }, interval: 1 },
        { url: `${site.url}clash`, name: 'Clash site', headers: { Authorization: '${secret:Clash-site-Authorization-2}' }, interval: 1 },
      ]);
      // The user's own secret still holds the user's value: a target of the user's that uses it sends that.
      await config().update(
        'targets',
        [...userTargets(), { url: `${site.url}mine`, headers: { Authorization: '${secret:Clash-site-Authorization}' }, interval: 1 }],
        vscode.ConfigurationTarget.Global,
      );
      const sent = () => site.receivedHeaders.slice(hitsBefore).map((headers) => headers.authorization);
      await eventually(
        "the imported target sends the file's credential and the user's target the user's",
        () => sent().includes('Bearer from-file') && sent().includes('Bearer mine'),
      );
      assert.ok(!site.receivedHeaders.slice(hitsBefore).some((headers) => headers['x-token'] !== undefined), 'no stored secret went out');
    } finally {
      rmSync(folder, { recursive: true, force: true });
      await resetSettings();
    }
  });

  it('a body pattern is matched in the worker the extension ships, both ways', async () => {
    await resetSettings();
    const entries = [
      { url: `${site.url}pattern-ok`, id: 'pattern-ok', bodyContains: '/^o[k]$/', interval: 1 },
      { url: `${site.url}pattern-missing`, id: 'pattern-missing', bodyContains: '/^nope$/', interval: 1 },
    ];
    try {
      await config().update('targets', entries, vscode.ConfigurationTarget.Global);
      await eventually('the matching pattern is UP', () => monitor.monitor.snapshot('pattern-ok')?.status === 'UP');
      await eventually(
        'the other is DOWN for its pattern',
        () => monitor.monitor.snapshot('pattern-missing')?.lastRecord?.reason === 'ASSERTION_FAILED',
      );
    } finally {
      await resetSettings();
    }
  });

  it('the status bar hides when the setting says so, and comes back', async () => {
    await config().update('statusBar.enabled', false, vscode.ConfigurationTarget.Global);
    await eventually('the setting is read', () => !monitor.statusBar.visible);
    await config().update('statusBar.enabled', undefined, vscode.ConfigurationTarget.Global);
    await eventually('the status bar is back', () => monitor.statusBar.visible);
  });
});
