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
