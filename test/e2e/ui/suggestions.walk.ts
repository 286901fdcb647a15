/**
 * The monitor where the addresses are written, in the packaged extension: hovering a monitored
 * URL in a README shows its state and response time in the editor's hover; a `.http` file's
 * request appears under the Targets view's Suggestions and, one click and one pick later, is a
 * target checked UP. Both servers are real, on 127.0.0.1, started by the walk. Screenshots go to
 * test-results/ui/suggestions/.
 */
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RestartableSite } from '../../support/restartableSite';
import { withWorkbench } from './workbenchDriver';

test('hovering a monitored URL in Markdown shows its state; a .http request is suggested and becomes a checked target in one click', async () => {
  const documented = new RestartableSite();
  const declared = new RestartableSite();
  await documented.start();
  await declared.start();
  const documentedUrl = `${documented.url}health`;
  const declaredUrl = `${declared.url}ready`;
  try {
    await withWorkbench(
      {
        name: 'suggestions',
        userSettings: {
          'networkMonitor.defaults.interval': 2,
          'networkMonitor.defaults.timeout': 2_000,
          'networkMonitor.targets': [{ url: documentedUrl, name: 'Docs API' }],
        },
        prepareProfile: async ({ workspaceFolder }) => {
          writeFileSync(join(workspaceFolder, 'README.md'), `# Services\n\nThe API answers at ${documentedUrl} when it runs.\n`);
          writeFileSync(join(workspaceFolder, 'api.http'), `### Readiness\nGET ${declaredUrl}\nAccept: text/plain\n`);
        },
      },
      async (workbench) => {
        const { page } = workbench;
        await workbench.openViewContainer('Network Monitor');
        const docsRow = workbench.treeRow('Docs API', 'Targets');
        await workbench.waitUntil('Docs API to be UP', async () => /UP · \d+ ms/.test((await docsRow.textContent()) ?? ''), {
          describe: async () => `The row says "${(await docsRow.textContent()) ?? ''}".`,
        });

        // (a) Open the README and hover the address in it.
        await workbench.startCommand('Go to File...');
        await workbench.pick('README.md');
        const address = page.locator('.monaco-editor .view-lines span', { hasText: String(documented.port) }).first();
        await workbench.waitFor(address, 'the README to show the address');
        const hover = page.locator('.monaco-hover').filter({ hasText: 'Check Now' }).first();
        await workbench.hoverUntil(address, hover, 'the hover of Network Monitor, with Check Now');
        const hoverText = ((await hover.textContent()) ?? '').replace(/\s+/g, ' ');
        assert.match(hoverText, /Docs API — UP · \d+ ms · 100% 24 h/, `The hover says "${hoverText}".`);
        await workbench.screenshot('hover-monitored-url');
        await page.mouse.move(0, 0);

        // (b) The .http file's request is suggested in the Targets view; a click and a pick monitor it.
        const suggestion = workbench.treeRow(`GET ${declaredUrl}`, 'Targets');
        await workbench.waitFor(workbench.treeRow('Suggestions', 'Targets'), 'the Suggestions node');
        await workbench.waitFor(suggestion, 'the request of api.http among the suggestions');
        await workbench.waitFor(workbench.treeRow(/api\.http:2/, 'Targets'), 'the suggestion to say where it was found');
        await workbench.screenshot('suggestion-listed');
        const requestsBefore = declared.hits;
        await suggestion.click();
        const widget = page.locator('.quick-input-widget');
        await workbench.waitFor(widget.filter({ hasText: `Monitor ${declaredUrl}` }), 'the pick of where to save');
        if (declared.hits !== requestsBefore) throw new Error('The suggested address was checked before the user accepted it.');
        await workbench.pick('User Settings');
        await workbench.waitFor(widget, 'the pick to close', { state: 'hidden' });
        const targetRow = workbench.treeRow(declaredUrl, 'Targets');
        await workbench.waitUntil(
          'the new target to be checked UP',
          async () => /UP · \d+ ms/.test((await targetRow.textContent()) ?? ''),
          { describe: async () => `The row says "${(await targetRow.textContent()) ?? ''}".` },
        );
        await workbench.waitFor(suggestion, 'the suggestion to leave the list', { state: 'hidden' });
        await workbench.screenshot('suggestion-accepted');
      },
    );
  } finally {
    await documented.stop();
    await declared.stop();
  }
});
