/**
 * Two VS Code windows sharing one monitor, in the packaged extension: one code-server, two
 * workbench pages (two extension hosts, one user data folder) on two workspace folders whose
 * settings each define a different loopback site. The first window checks and records; the
 * second shows its own workspace's target, checked for it by the first, and its "Check Now" is
 * run by the first. When the first window closes, the second takes over and keeps checking its
 * target, and the closed window's target is no longer checked. Screenshots go to
 * test-results/ui/multi-window/.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { type WorkbenchDriver, waitUntil, withWorkbench } from './workbenchDriver';

const EXTENSION_ID = 'network-monitor.network-monitor';
const INTERVAL_SECONDS = 2;

/** A site on 127.0.0.1 that counts the checks it answers. */
class CountingSite {
  private server: Server | undefined;
  hits = 0;
  port = 0;

  async start(): Promise<void> {
    const server = createServer((_request, response) => {
      this.hits++;
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

interface Lease {
  ownerId: string;
  pid: number;
}

function readLease(workbench: WorkbenchDriver): Lease | undefined {
  try {
    return JSON.parse(readFileSync(join(workbench.globalStorageDir(EXTENSION_ID), 'lease.json'), 'utf8')) as Lease;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function rowText(workbench: WorkbenchDriver, name: string): Promise<string> {
  return (await workbench.treeRow(name, 'Targets').textContent()) ?? '';
}

async function showsUp(workbench: WorkbenchDriver, name: string, timeoutMs: number): Promise<boolean> {
  await workbench.treeRow(name, 'Targets').waitFor();
  return waitUntil(async () => /UP · \d+ ms/.test(await rowText(workbench, name)), timeoutMs);
}

/** Waits (bounded) until the site has answered `count` more checks than it had. */
function moreHits(site: CountingSite, count: number, timeoutMs: number): Promise<boolean> {
  const from = site.hits;
  return waitUntil(async () => site.hits >= from + count, timeoutMs);
}

test('two windows share one monitor: the second window\'s own target is checked by the first, and the second takes over when the first closes', async () => {
  const siteA = new CountingSite();
  const siteB = new CountingSite();
  await siteA.start();
  await siteB.start();
  try {
    await withWorkbench({
      name: 'multi-window',
      timeoutMs: 30_000,
      userSettings: {
        'networkMonitor.defaults.interval': INTERVAL_SECONDS,
        'networkMonitor.defaults.timeout': 2_000,
        'networkMonitor.defaults.retries': 0,
      },
      workspaceSettings: { 'networkMonitor.targets': [{ url: siteA.url, name: 'Site A', id: 'site-a' }] },
    }, async (windowA) => {
      await windowA.activityBarItem('Network Monitor').waitFor({ timeout: 60_000 });
      await windowA.openViewContainer('Network Monitor');
      assert.ok(await showsUp(windowA, 'Site A', 30_000), `Window A's row says "${await rowText(windowA, 'Site A')}", not UP with a response time.`);
      await windowA.screenshot('window-a-checks-site-a');
      const writerA = readLease(windowA);
      assert.ok(writerA, 'Window A runs the monitor, so it holds the writer lease.');

      const windowB = await windowA.openWindow('window-b', { 'networkMonitor.targets': [{ url: siteB.url, name: 'Site B', id: 'site-b' }] });
      try {
        await windowB.activityBarItem('Network Monitor').waitFor({ timeout: 60_000 });
        await windowB.openViewContainer('Network Monitor');
        // Only window B's workspace defines Site B; window A checks it for B and B reads the result.
        assert.ok(await showsUp(windowB, 'Site B', 40_000), `Window B's row says "${await rowText(windowB, 'Site B')}", not UP with a response time.`);
        assert.equal(await windowB.treeRow('Site A', 'Targets').count(), 0, 'Window B shows only the targets its own settings define.');
        assert.equal(readLease(windowB)?.ownerId, writerA.ownerId, 'Window A still checks: window B reads what it records.');
        assert.ok(await moreHits(siteB, 2, 20_000), `Site B answered only ${siteB.hits} checks: it is not checked on its interval.`);
        await windowB.screenshot('window-b-shows-site-b-checked-by-a');
        assert.ok(await showsUp(windowA, 'Site A', 10_000), 'Window A still shows its own target UP.');
        await windowA.screenshot('window-a-with-window-b-open');

        // Check Now in the reading window: run by the checking window, shown in window B.
        // The palette stays open for the target pick, so this does not wait for it to close.
        await windowB.page.keyboard.press('Escape');
        await windowB.page.keyboard.press('F1');
        await windowB.page.locator('.quick-input-widget input').fill('>Network Monitor: Check Now');
        await windowB.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Network Monitor: Check Now' }).first().waitFor();
        await windowB.page.keyboard.press('Enter');
        const pick = windowB.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Site B' }).first();
        await pick.waitFor();
        await pick.click();
        await windowB.statusBarItem(/Site B: UP/).waitFor({ timeout: 30_000 });
        await windowB.screenshot('window-b-check-now');

        // Window A closes: window B takes over the lease and keeps checking its own target.
        await windowA.page.close({ runBeforeUnload: true });
        const tookOver = await waitUntil(async () => {
          const lease = readLease(windowB);
          return lease !== undefined && lease.ownerId !== writerA.ownerId;
        }, 40_000);
        assert.ok(tookOver, `Window B did not take over within 40 s of window A closing; the lease is ${JSON.stringify(readLease(windowB))}.`);
        const writerB = readLease(windowB)!;
        assert.notEqual(writerB.pid, writerA.pid, 'Another extension host holds the lease now.');
        assert.ok(await waitUntil(async () => !processAlive(writerA.pid), 30_000), `Window A's extension host (pid ${writerA.pid}) is still running after its window closed.`);
        assert.ok(await moreHits(siteB, 3, 30_000), `Site B answered only ${siteB.hits} checks after window B took over.`);
        assert.ok(await showsUp(windowB, 'Site B', 10_000), `After the takeover window B's row says "${await rowText(windowB, 'Site B')}".`);
        await windowB.screenshot('window-b-checks-after-a-closed');

        // Nobody wants Site A any more: after one interval for checks already running, it is quiet.
        await new Promise((resolve) => setTimeout(resolve, INTERVAL_SECONDS * 1000 + 1000));
        const siteAHits = siteA.hits;
        assert.ok(await moreHits(siteB, 2, 20_000), 'Site B keeps being checked.');
        assert.equal(siteA.hits, siteAHits, 'Site A, defined only by the closed window, is no longer checked.');
      } finally {
        await windowB.dispose();
      }
    });
  } finally {
    await siteA.stop();
    await siteB.stop();
  }
});
