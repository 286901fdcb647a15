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
import { RestartableSite } from '../../support/restartableSite';
import { withWorkbench } from './workbenchDriver';

async function typeAndEnter(page: Page, input: Locator, text: string): Promise<void> {
  await input.fill(text);
  await page.keyboard.press('Enter');
}

test('a new user adds a target from the palette, sees it up, down and back up, and is told what is wrong with a bad URL', async () => {
  const site = new RestartableSite();
  await site.start();
  try {
    await withWorkbench(
      {
        name: 'monitoring',
        userSettings: {
          'networkMonitor.defaults.interval': 2,
          'networkMonitor.defaults.timeout': 2_000,
          'networkMonitor.defaults.retries': 0,
          'networkMonitor.defaults.alertThreshold': 2,
        },
      },
      async (workbench) => {
        const { page } = workbench;
        await workbench.openViewContainer('Network Monitor');
        const targetsView = workbench.view('Targets');
        await workbench.waitFor(targetsView.getByRole('button', { name: 'Add Target' }), "the welcome view's Add Target button");
        await workbench.screenshot('welcome');

        // Add Target: URL, name, interval (default), where to save.
        const input = await workbench.startCommand('Network Monitor: Add Target');
        const widget = page.locator('.quick-input-widget');
        await workbench.waitFor(widget.filter({ hasText: 'URL to check' }), 'Add Target to ask for the URL');
        await typeAndEnter(page, input, site.url);
        await workbench.waitFor(widget.filter({ hasText: 'Optional: a name' }), 'Add Target to ask for a name');
        await typeAndEnter(page, input, 'Local site');
        await workbench.waitFor(widget.filter({ hasText: 'seconds between checks' }), 'Add Target to ask for the interval');
        await page.keyboard.press('Enter');
        await workbench.waitFor(widget.filter({ hasText: 'User settings' }), 'Add Target to ask where to save');
        await workbench.pick('User settings');
        await workbench.waitFor(widget, 'Add Target to close after the last step', { state: 'hidden' });

        const row = workbench.treeRow('Local site', 'Targets');
        const rowText = async (): Promise<string> => `The row says "${(await row.textContent()) ?? ''}".`;
        await workbench.waitFor(row, 'the new target in the tree');
        await workbench.waitUntil(
          'the tree row to say UP with a response time',
          async () => /UP · \d+ ms/.test((await row.textContent()) ?? ''),
          { describe: rowText },
        );
        await workbench.waitFor(workbench.statusBarItem('1 up'), 'the status bar to count 1 up');
        await workbench.screenshot('target-up');

        await site.stop();
        await workbench.waitFor(workbench.notificationToast(/Local site is down/), 'the notification that Local site is down');
        await workbench.waitUntil('the tree row to say DOWN', async () => /DOWN/.test((await row.textContent()) ?? ''), {
          describe: rowText,
        });
        await workbench.waitFor(workbench.statusBarItem('1 down'), 'the status bar to count 1 down');
        await workbench.screenshot('target-down-notification');

        await site.start();
        await workbench.waitFor(workbench.notificationToast(/Local site is back up/), 'the notification that Local site is back up');
        await workbench.waitFor(workbench.statusBarItem('1 up'), 'the status bar to count 1 up again');
        await workbench.screenshot('target-recovered-notification');

        // A URL that cannot be checked is explained while it is typed, and nothing is saved.
        const urlInput = await workbench.startCommand('Network Monitor: Add Target');
        await workbench.waitFor(widget.filter({ hasText: 'URL to check' }), 'Add Target to ask for the URL');
        await urlInput.fill('ftp://127.0.0.1/files');
        await workbench.waitFor(widget.filter({ hasText: 'Unsupported scheme "ftp://"' }), 'the message that ftp:// is not supported');
        await workbench.screenshot('invalid-url-message');
        await urlInput.fill(site.url);
        await workbench.waitFor(
          widget.filter({ hasText: 'is already monitored as "Local site"' }),
          'the message that the URL is already monitored',
        );
        await workbench.screenshot('duplicate-url-message');
        await urlInput.fill('127.0.0.1:notaport');
        await workbench.waitFor(widget.filter({ hasText: 'is not a valid URL' }), 'the message that the URL is not valid');
        // Enter on an invalid URL does not move on. The input handles keys in order, so once a
        // URL typed after the Enter has been validated in the first step, the Enter was refused.
        await page.keyboard.press('Enter');
        await urlInput.fill('ftp://127.0.0.1/after-enter');
        await workbench.waitFor(
          widget.filter({ hasText: 'Add Target (1/4)' }).filter({ hasText: 'Unsupported scheme "ftp://"' }),
          'the first step to validate the URL typed after Enter on an invalid one',
        );
        await page.keyboard.press('Escape');
        await workbench.waitFor(widget, 'Add Target to close on Escape', { state: 'hidden' });
        assert.equal(
          await workbench
            .treeRows('Targets')
            .filter({ hasText: /notaport|after-enter/ })
            .count(),
          0,
          'A URL that was refused is in the tree.',
        );
      },
    );
  } finally {
    await site.stop();
  }
});
