/**
 * Suggested targets in a real extension host: a `.http` file in the workspace, whose address comes
 * from the `.env` beside it, shows its request under the Targets view's Suggestions node; accepting
 * it (one pick: where to save) makes a target that is checked UP against a real server on
 * 127.0.0.1. A credential the file takes from `.env` is saved as a secret reference, never as its
 * value; a file under node_modules suggests nothing; a changed `.env` is read again by itself.
 */
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { NetworkMonitorApi } from '../../../src/extension';
import { RestartableSite } from '../../support/restartableSite';
import { eventually, WAIT_MS } from './eventually';
import { networkMonitor } from './networkMonitor';

const SECRET_VALUE = 'tok-e2e-never-in-settings';

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('networkMonitor');
}

interface ShownSuggestion {
  node: unknown;
  label: string;
  description: string;
}

/** The Suggestions node's children as the view draws them (none when the node is not shown). */
async function shownSuggestions(monitor: NetworkMonitorApi): Promise<ShownSuggestion[]> {
  const roots = await monitor.tree.getChildren();
  const group = roots.find((node) => monitor.tree.getTreeItem(node).contextValue === 'suggestions');
  if (!group) return [];
  const children = await monitor.tree.getChildren(group);
  return children.map((node) => {
    const item = monitor.tree.getTreeItem(node);
    return { node, label: String(item.label), description: String(item.description) };
  });
}

describe('Suggested targets from the workspace', function () {
  this.timeout(4 * WAIT_MS);
  const site = new RestartableSite();
  let monitor: NetworkMonitorApi;
  let folder: string;

  before(async () => {
    // The files are there before the extension is asked for, as a repository's are when it opens.
    await site.start();
    const workspaceFolder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(workspaceFolder, 'the suite runs with a folder open');
    folder = join(workspaceFolder.uri.fsPath, 'suggested');
    mkdirSync(join(folder, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(folder, '.env'), `BASE=http://127.0.0.1:${site.port}\nAPI_TOKEN=${SECRET_VALUE}\n`);
    writeFileSync(
      join(folder, 'api.http'),
      [
        '### Health',
        'GET {{BASE}}/health',
        'Accept: text/plain',
        '',
        '### Orders',
        'GET {{BASE}}/orders',
        'Authorization: Bearer {{API_TOKEN}}',
        '',
      ].join('\n'),
    );
    writeFileSync(join(folder, 'node_modules', 'dep', 'vendored.http'), `GET http://127.0.0.1:${site.port}/vendored\n`);
    monitor = await networkMonitor();
    await config().update('targets', undefined, vscode.ConfigurationTarget.Global);
    // An hour between checks: the check seen is a new target's first, not a repeat.
    await config().update('defaults.interval', 3600, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await config().update('targets', undefined, vscode.ConfigurationTarget.Global);
    await config().update('defaults.interval', undefined, vscode.ConfigurationTarget.Global);
    rmSync(folder, { recursive: true, force: true });
    await site.stop();
  });

  it('lists the requests of a .http file with their place, and nothing from node_modules', async () => {
    const health = `GET http://127.0.0.1:${site.port}/health`;
    const shown = await eventually('the .http file is read', async () => {
      const list = await shownSuggestions(monitor);
      return list.some((suggestion) => suggestion.label === health) && list;
    });
    assert.deepEqual(
      shown.map((suggestion) => [suggestion.label, suggestion.description]),
      [
        [health, 'suggested/api.http:2'],
        [`GET http://127.0.0.1:${site.port}/orders`, 'suggested/api.http:6'],
      ],
    );
  });

  it('accepting a suggestion asks where to save it, makes a target and checks it UP; the suggestion leaves the list', async () => {
    const health = (await shownSuggestions(monitor)).find((suggestion) => suggestion.label.endsWith('/health'));
    assert.ok(health);
    // As the tree's click runs it: with the node, then the pick of where to save.
    const accepted = vscode.commands.executeCommand<string | undefined>('networkMonitor.acceptSuggestion', health.node);
    let answered = false;
    void accepted.then(() => (answered = true));
    await eventually('the pick is answered', async () => {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return answered;
    });
    const id = await accepted;
    assert.ok(id, 'accepting returned no target');
    assert.deepEqual(config().inspect<unknown[]>('targets')?.globalValue, [
      { url: `http://127.0.0.1:${site.port}/health`, headers: { Accept: 'text/plain' } },
    ]);
    await eventually('the new target is checked UP', () => monitor.monitor.snapshot(id)?.lastRecord?.status === 'UP');
    assert.ok(site.receivedHeaders.some((headers) => headers.accept === 'text/plain'));
    await eventually('the suggestion leaves the list', async () =>
      (await shownSuggestions(monitor)).every((suggestion) => !suggestion.label.endsWith('/health')),
    );
  });

  it('a credential from .env is saved as a secret reference, never as its value', async () => {
    const key = `http://127.0.0.1:${site.port}/orders`;
    // Saved, and held back until the user stores the secret: no id yet.
    await vscode.commands.executeCommand<string | undefined>(
      'networkMonitor.acceptSuggestion',
      monitor.ownArguments({ key, level: 'user' }),
    );
    const saved = JSON.stringify(config().inspect<unknown[]>('targets')?.globalValue);
    assert.ok(saved.includes('"Authorization":"Bearer ${secret:API_TOKEN}"'), saved);
    assert.ok(!saved.includes(SECRET_VALUE), saved);
    assert.ok(
      monitor.editorMessages.some((message) => message.text.includes('API_TOKEN')),
      'the user is told which secret to store',
    );
  });

  it('a changed .env makes the .http file beside it read again', async () => {
    // Only the .env changes: the .http file beside it takes its address from there.
    writeFileSync(join(folder, '.env'), `BASE=http://localhost:${site.port}\n`);
    await eventually('the new address is listed', async () =>
      (await shownSuggestions(monitor)).some((suggestion) => suggestion.label === `GET http://localhost:${site.port}/health`),
    );
  });

  it('a folder moved into the workspace whole is read, though only the folder is reported', async () => {
    // Built outside the workspace and renamed in: the file watcher sees one new folder, no new file.
    const staging = mkdtempSync(join(tmpdir(), 'nm-moved-'));
    writeFileSync(join(staging, 'moved.http'), `GET http://127.0.0.1:${site.port}/moved\n`);
    const moved = join(folder, 'moved-in');
    try {
      renameSync(staging, moved);
    } catch {
      // Another file system: copy it in one step instead.
      cpSync(staging, moved, { recursive: true });
      rmSync(staging, { recursive: true, force: true });
    }
    await eventually('the moved folder is read', async () =>
      (await shownSuggestions(monitor)).some((suggestion) => suggestion.label === `GET http://127.0.0.1:${site.port}/moved`),
    );
  });
});
