/** The extension is installed in the host, activates on its own, and registers what it declares. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { eventually } from './eventually';

const EXTENSION_ID = 'network-monitor.network-monitor';

interface ManifestCommand {
  command: string;
}

function ourExtension(): vscode.Extension<unknown> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not loaded in the extension host.`);
  return extension;
}

/** The document VS Code opens for the extension's log once the Output panel shows it. */
const LOG_DOCUMENT = 'output:network-monitor.network-monitor.Network%20Monitor.log';

function logDocument(): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((document) => document.uri.toString() === LOG_DOCUMENT);
}

/** Every command the manifest contributes, Show Log first. */
function contributedCommands(): string[] {
  const declared = ((ourExtension().packageJSON.contributes?.commands ?? []) as ManifestCommand[]).map((entry) => entry.command);
  return ['networkMonitor.showLog', ...declared.filter((id) => id !== 'networkMonitor.showLog')];
}

// First in the first suite file: the suites start before the editor has finished starting, so the
// extension (activated onStartupFinished) is still inactive here, as for a user who clicks a
// command in the first second.
describe('Commands invoked while the extension activates', () => {
  it('each runs to its end without failing, and Show Log shows the log', async () => {
    const extension = ourExtension();
    assert.equal(extension.isActive, false, 'The extension was already active: this test must run before anything activates it.');
    assert.equal(logDocument(), undefined, 'The log is shown before Show Log ran.');
    // All at once, before activation has finished, without waiting for one another.
    const runs = contributedCommands().map((id) =>
      Promise.resolve(vscode.commands.executeCommand(id)).then(
        () => ({ id, error: undefined }),
        (error: unknown) => ({ id, error: String(error) }),
      ),
    );
    const settled = new Set<string>();
    for (const run of runs) void run.then(({ id }) => settled.add(id));
    // Commands that ask (a quick pick, an input box, a file dialog) get no answer, as when a user presses Escape.
    await eventually(
      'every command has finished',
      async () => {
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        return settled.size === runs.length;
      },
      60_000,
    );
    const failures = (await Promise.all(runs)).filter((outcome) => outcome.error !== undefined);
    assert.deepEqual(failures, [], 'Commands rejected');
    await eventually('the Output panel shows the Network Monitor log', () => logDocument() !== undefined);
    const logText = logDocument()!.getText();
    const failedLines = logText.split('\n').filter((line) => /\bfailed\b|\[error\]/i.test(line));
    assert.deepEqual(failedLines, [], 'A command invoked while activating failed');
  });
});

describe('Activation', () => {
  it('is loaded from the repository under test', () => {
    const extension = ourExtension();
    assert.equal(extension.packageJSON.name, 'network-monitor');
    assert.equal(extension.packageJSON.main, './dist/extension.js');
  });

  it('activates by itself once the editor has started (onStartupFinished)', async () => {
    const extension = ourExtension();
    await eventually('the extension is active', () => extension.isActive);
  });

  it('activates without throwing', async () => {
    const extension = ourExtension();
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('registers every command that package.json contributes', async () => {
    const declared = ((ourExtension().packageJSON.contributes?.commands ?? []) as ManifestCommand[]).map((entry) => entry.command);
    assert.ok(declared.length > 0, 'package.json contributes no commands.');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `Declared in package.json but not registered: ${missing.join(', ')}`);
  });
});
