/**
 * Addresses where they are written, in a real extension host: hovering a monitored URL in a
 * Markdown file shows its state and response time with Check Now and Open Dashboard; an address no
 * target watches offers "Monitor this URL" in the hover and as a quick fix, and taking it (one
 * pick: where to save) makes a checked target. The server is real, on 127.0.0.1.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { NetworkMonitorApi } from '../../../src/extension';
import { RestartableSite } from '../../support/restartableSite';
import { networkMonitor } from './networkMonitor';
import { eventually, WAIT_MS } from './eventually';

const SECTION = 'networkMonitor';

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

/** The URLs of the user-level targets, in their order. */
function savedUrls(): (string | undefined)[] {
  return ((config().inspect<unknown[]>('targets')?.globalValue ?? []) as (string | { url?: string })[]).map((entry) =>
    typeof entry === 'string' ? entry : entry.url,
  );
}

/** Every hover at `position`, as the editor would show them: Network Monitor's is the one with its links. */
async function hoverText(
  document: vscode.TextDocument,
  position: vscode.Position,
): Promise<{ text: string; raw: string; trusted: unknown }[]> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position);
  return hovers.flatMap((hover) =>
    hover.contents.map((content) =>
      content instanceof vscode.MarkdownString
        ? { text: content.value.replace(/\\/g, '').replace(/&nbsp;/g, ' '), raw: content.value, trusted: content.isTrusted }
        : { text: String(content), raw: String(content), trusted: undefined },
    ),
  );
}

describe('Addresses in files: hover and Monitor this URL', function () {
  this.timeout(3 * WAIT_MS);
  const site = new RestartableSite();
  let monitor: NetworkMonitorApi;

  before(async () => {
    monitor = await networkMonitor();
    await site.start();
    await config().update('targets', undefined, vscode.ConfigurationTarget.Global);
    await config().update('defaults.interval', 1, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await config().update('targets', undefined, vscode.ConfigurationTarget.Global);
    await config().update('defaults.interval', undefined, vscode.ConfigurationTarget.Global);
    await site.stop();
  });

  it('hovering a monitored URL in Markdown shows its state, response time and our two commands, and no link from its name', async () => {
    // A name from the settings is text: were it read as Markdown, it would be a trusted link.
    const name = '[Open a terminal](command:workbench.action.terminal.new)';
    const id = await vscode.commands.executeCommand<string>('networkMonitor.addTarget', monitor.ownArguments({ url: site.url, name }));
    await eventually('the target is checked UP', () => monitor.monitor.snapshot(id)?.lastRecord?.status === 'UP');
    // Written as people write it: in a Markdown link, with a fragment the target's URL does not have.
    const document = await vscode.workspace.openTextDocument({
      language: 'markdown',
      content: `# Services\n\nThe [health endpoint](${site.url}#status) answers in milliseconds.\n`,
    });
    await vscode.window.showTextDocument(document);
    const column = document.lineAt(2).text.indexOf('127.0.0.1');
    const hovers = await hoverText(document, new vscode.Position(2, column));
    const ours = hovers.find((hover) => hover.text.includes('command:networkMonitor.checkNow'));
    assert.ok(ours, `no Network Monitor hover among ${JSON.stringify(hovers)}`);
    assert.match(ours.text, / — UP · \d+ ms · 100% 24 h/, ours.text);
    assert.match(ours.text, /Last check: .* · HTTP 200/);
    assert.ok(ours.text.includes(`command:networkMonitor.checkNow?${encodeURIComponent(JSON.stringify([id]))}`), ours.text);
    assert.ok(ours.text.includes('command:networkMonitor.openDashboard'));
    assert.deepEqual(ours.trusted, {
      enabledCommands: ['networkMonitor.checkNow', 'networkMonitor.openDashboard', 'networkMonitor.monitorUrl'],
    });
    // The name is shown, its brackets escaped: no link to any other command is in the Markdown.
    assert.ok(ours.text.includes(name), ours.text);
    assert.deepEqual(ours.raw.match(/(?<!\\)\]\(command:[\w.]+/g), [
      '](command:networkMonitor.checkNow',
      '](command:networkMonitor.openDashboard',
    ]);
    // Text outside any address gets no hover of ours.
    const plain = await hoverText(document, new vscode.Position(2, document.lineAt(2).text.indexOf('milliseconds')));
    assert.ok(!plain.some((hover) => hover.text.includes('networkMonitor')), JSON.stringify(plain));
  });

  it('an address no target watches offers Monitor this URL in the hover and as a quick fix; one pick makes it a checked target', async () => {
    const unwatched = `${site.url.replace(/\/$/, '')}/other`;
    const document = await vscode.workspace.openTextDocument({ language: 'plaintext', content: `API_URL=${unwatched}\n` });
    await vscode.window.showTextDocument(document);
    const position = new vscode.Position(0, 'API_URL='.length + 3);
    const hovers = await hoverText(document, position);
    const offer = hovers.find((hover) => hover.text.includes('command:networkMonitor.monitorUrl'));
    assert.ok(offer, `no offer among ${JSON.stringify(hovers)}`);
    assert.match(offer.text, /Monitor this URL/);

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      document.uri,
      new vscode.Range(position, position),
    );
    const quickFix = actions.find((action) => action.title === 'Monitor this URL');
    assert.ok(quickFix?.command, `no quick fix among ${actions.map((action) => action.title).join(', ')}`);
    assert.equal(quickFix.kind?.value, vscode.CodeActionKind.QuickFix.value);
    assert.deepEqual(quickFix.command.arguments, [unwatched]);

    // Run as a link or the light bulb runs it: it asks where to save before anything is added.
    const before = savedUrls();
    const added = vscode.commands.executeCommand<string | undefined>(quickFix.command.command, ...quickFix.command.arguments!);
    assert.deepEqual(savedUrls(), before, 'nothing is saved before the user picks');
    let answered = false;
    void added.then(() => (answered = true));
    // Accept the first choice, User Settings, once the pick is shown.
    await eventually('the pick is answered', async () => {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return answered;
    });
    const id = await added;
    assert.ok(id, 'Monitor this URL returned no target');
    assert.deepEqual(savedUrls(), [...before, unwatched]);
    await eventually('the new target is checked', () => monitor.monitor.snapshot(id)?.lastRecord !== undefined);
    // Now monitored, the same address shows its state instead of the offer.
    await eventually('the hover follows', async () =>
      (await hoverText(document, position)).some((hover) => hover.text.includes('command:networkMonitor.checkNow')),
    );
  });
});
