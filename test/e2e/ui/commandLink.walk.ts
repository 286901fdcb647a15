/**
 * A monitored server tries to put a command link in front of the user, in the packaged extension:
 * a JSON health check whose server answers `{"status":"[Open runbook](command:workbench.action.openSettings)"}`.
 * When the target goes down, the warning toast says what the server answered, in words, and holds
 * no link (VS Code draws each link of a notification's message as an `<a>`). The server is real, on
 * 127.0.0.1, started by the walk. Screenshots go to test-results/ui/commandLink/.
 */
import * as assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { withWorkbench } from './workbenchDriver';

const ANSWER = JSON.stringify({ status: '[Open runbook](command:workbench.action.openSettings)' });

test('a server answering a command link produces a down toast that shows its words and has no live link', async () => {
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(ANSWER);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  try {
    await withWorkbench(
      {
        name: 'commandLink',
        userSettings: {
          'networkMonitor.defaults.interval': 2,
          'networkMonitor.defaults.timeout': 2_000,
          'networkMonitor.defaults.retries': 0,
          'networkMonitor.defaults.alertThreshold': 2,
          'networkMonitor.targets': [{ url, name: 'Linked API', jsonPath: '$.status', equals: 'ok' }],
        },
      },
      async (workbench) => {
        const toast = workbench.notificationToast(/Linked API is down/);
        await workbench.waitFor(toast, 'the notification that Linked API is down');
        await workbench.screenshot('down-toast');
        // The message itself: the buttons and the toolbar of a toast are drawn as <a> elements too.
        const message = toast.locator('.notification-list-item-message');
        const text = (await message.textContent()) ?? '';
        assert.equal(await message.locator('a').count(), 0, `the toast holds no link: "${text}"`);
        assert.match(text, /Open runbook/, `the toast says what the server answered: "${text}"`);
        assert.match(text, /workbench\.action\.openSettings/, `the toast shows where the link pointed: "${text}"`);
      },
    );
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
