/**
 * First walk: the packaged extension installs into a real VS Code, its container shows in the
 * activity bar, and its commands run from the command palette.
 */
import * as assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { withWorkbench } from './workbenchDriver';

test('the installed extension shows in the activity bar and runs its commands from the palette', async () => {
  await withWorkbench({ name: 'activity-bar' }, async (workbench) => {
    await workbench.openViewContainer('Network Monitor');
    await workbench.waitFor(workbench.view('Targets'), 'the Targets view in the Network Monitor container');
    const shot = await workbench.screenshot('network-monitor-container');
    assert.ok(statSync(shot).size > 10_000, `The screenshot ${shot} is nearly empty.`);

    await workbench.runCommand('Network Monitor: Show Log');
    const channelPicker = workbench.page.locator('.part.panel select.monaco-select-box').first();
    await workbench.waitFor(channelPicker, 'the Output panel to open after "Network Monitor: Show Log"');
    const shownChannel = async (): Promise<string> => (await channelPicker.locator('option:checked').textContent()) ?? '';
    await workbench.waitUntil(
      'the Output panel to show the Network Monitor log',
      async () => (await shownChannel()) === 'Network Monitor',
      {
        describe: async () => `It shows "${await shownChannel()}".`,
      },
    );
    await workbench.screenshot('show-log');
  });
});
