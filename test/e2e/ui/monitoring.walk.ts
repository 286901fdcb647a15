/**
 * The user's first minutes, in the packaged extension: add a target from the command palette,
 * see it UP in the sidebar and the status bar, see the down notification when its server stops
 * and the recovery notification when it is back, and have an invalid URL explained while typing
 * it. The server is real, on 127.0.0.1, started by the walk. Screenshots go to
 * test-results/ui/monitoring/.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { waitUntil, withWorkbench } from './workbenchDriver';
import { RestartableSite } from '../../support/restartableSite';


/**
 * Opens a command from the palette and leaves the quick input open, for commands that go on to
 * ask questions in it (the driver's runCommand waits for the palette to close).
 */
async function startCommand(page: Page, title: string): Promise<Locator> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
  return input;
}

async function typeAndEnter(page: Page, input: Locator, text: string): Promise<void> {
  await input.fill(text);
  await page.keyboard.press('Enter');
}

test('a new user adds a target from the palette, sees it up, down and back up, and is told what is wrong with a bad URL', async () => {
  const site = new RestartableSite();
  await site.start();
  try {
    await withWorkbench({
      name: 'monitoring',
      timeoutMs: 30_000,
      userSettings: {
        'networkMonitor.defaults.interval': 2,
        'networkMonitor.defaults.timeout': 2_000,
        'networkMonitor.defaults.retries': 0,
        'networkMonitor.defaults.alertThreshold': 2,
      },
    }, async (workbench) => {
      const { page } = workbench;
      await workbench.activityBarItem('Network Monitor').waitFor({ timeout: 60_000 });
      await workbench.openViewContainer('Network Monitor');
      const targetsView = workbench.view('Targets');
      await targetsView.getByRole('button', { name: 'Add Target' }).waitFor();
      await workbench.screenshot('welcome');

      // Add Target: URL, name, interval (default), where to save.
      const input = await startCommand(page, 'Network Monitor: Add Target');
      const widget = page.locator('.quick-input-widget');
      await widget.filter({ hasText: 'URL to check' }).waitFor();
      await typeAndEnter(page, input, site.url);
      await widget.filter({ hasText: 'Optional: a name' }).waitFor();
      await typeAndEnter(page, input, 'Local site');
      await widget.filter({ hasText: 'seconds between checks' }).waitFor();
      await page.keyboard.press('Enter');
      await widget.filter({ hasText: 'User settings' }).waitFor();
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'User settings' }).first().click();
      await widget.waitFor({ state: 'hidden' });

      const row = workbench.treeRow('Local site', 'Targets');
      await row.waitFor();
      assert.ok(await waitUntil(async () => /UP · \d+ ms/.test((await row.textContent()) ?? ''), 20_000), `The tree row says "${await row.textContent()}", not UP with a response time.`);
      await workbench.statusBarItem('1 up').waitFor();
      await workbench.screenshot('target-up');

      await site.stop();
      await workbench.notificationToast(/Local site is down/).waitFor({ timeout: 30_000 });
      assert.ok(await waitUntil(async () => /DOWN/.test((await row.textContent()) ?? ''), 10_000), `The tree row says "${await row.textContent()}", not DOWN.`);
      await workbench.statusBarItem('1 down').waitFor();
      await workbench.screenshot('target-down-notification');

      await site.start();
      await workbench.notificationToast(/Local site is back up/).waitFor({ timeout: 30_000 });
      await workbench.statusBarItem('1 up').waitFor();
      await workbench.screenshot('target-recovered-notification');

      // A URL that cannot be checked is explained while it is typed, and nothing is saved.
      const urlInput = await startCommand(page, 'Network Monitor: Add Target');
      await widget.filter({ hasText: 'URL to check' }).waitFor();
      await urlInput.fill('ftp://127.0.0.1/files');
      await widget.filter({ hasText: 'Unsupported scheme "ftp://"' }).waitFor();
      await workbench.screenshot('invalid-url-message');
      await urlInput.fill(site.url);
      await widget.filter({ hasText: 'is already monitored as "Local site"' }).waitFor();
      await workbench.screenshot('duplicate-url-message');
      await urlInput.fill('127.0.0.1:notaport');
      await widget.filter({ hasText: 'is not a valid URL' }).waitFor();
      // Enter on an invalid URL does not move on: the first step and its message stay.
      await page.keyboard.press('Enter');
      await page.waitForTimeout(500);
      assert.equal(await widget.filter({ hasText: 'Add Target (1/4)' }).filter({ hasText: 'is not a valid URL' }).count(), 1, 'Enter on an invalid URL left the first step.');
      await page.keyboard.press('Escape');
      await widget.waitFor({ state: 'hidden' });
      assert.equal(await workbench.treeRows('Targets').filter({ hasText: '127.0.0.1:notaport' }).count(), 0);
    });
  } finally {
    await site.stop();
  }
});
