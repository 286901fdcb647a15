/**
 * First walk: the packaged extension installs into a real VS Code, its container shows in the
 * activity bar, and its commands run from the command palette.
 */
import * as assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { waitUntil, withWorkbench } from './workbenchDriver';

test('the installed extension shows in the activity bar and runs its commands from the palette', async () => {
  await withWorkbench({ name: 'activity-bar' }, async (workbench) => {
    await workbench.activityBarItem('Network Monitor').waitFor({ timeout: 60_000 });
    await workbench.openViewContainer('Network Monitor');
    await workbench.view('Targets').waitFor();
    const shot = await workbench.screenshot('network-monitor-container');
    assert.ok(statSync(shot).size > 10_000, `The screenshot ${shot} is nearly empty.`);

    await workbench.runCommand('Network Monitor: Show Log');
    const channelPicker = workbench.page.locator('.part.panel select.monaco-select-box').first();
    await channelPicker.waitFor();
    const shownChannel = async (): Promise<string> => (await channelPicker.locator('option:checked').textContent()) ?? '';
    assert.ok(await waitUntil(async () => (await shownChannel()) === 'Network Monitor', 15_000), `The Output panel shows "${await shownChannel()}", not the Network Monitor log.`);
    await workbench.screenshot('show-log');
  });
});
