/**
 * Two VS Code windows sharing one monitor, in the packaged extension: one code-server, two
 * workbench pages (two extension hosts, one user data folder) on two workspace folders whose
 * settings each define a different loopback site. The first window checks and records; the
 * second shows its own workspace's target, checked for it by the first; its "Check Now" is run by
 * the first, its pause and resume are followed by the first, and it alone is told when its site
 * goes down and comes back. When the first window closes,
 * the second takes over and keeps checking its target, and the closed window's target is no
 * longer checked. The first window opens again, the second one's extension host is killed, and
 * the first takes over from the crash. Screenshots go to
 * test-results/ui/multi-window/.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { STARTUP_WAIT_MS, WAIT_MS, type WorkbenchDriver, waitUntil, withWorkbench } from './workbenchDriver';
import { RestartableSite } from '../../support/restartableSite';

const EXTENSION_ID = 'network-monitor.network-monitor';
const INTERVAL_SECONDS = 2;

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

/** Runs a palette command that asks which target, and picks it (the palette stays open for the pick). */
async function runOnTarget(workbench: WorkbenchDriver, title: string, targetName: string): Promise<void> {
  await workbench.startCommand(title);
  await workbench.pick(targetName);
  await workbench.waitFor(workbench.page.locator('.quick-input-widget'), `the target picker of "${title}" to close`, { state: 'hidden' });
}

/** Waits (bounded) until the site has answered `count` more checks than it had. */
function moreHits(site: RestartableSite, count: number, timeoutMs: number): Promise<boolean> {
  const from = site.hits;
  return waitUntil(async () => site.hits >= from + count, timeoutMs);
}

test("two windows share one monitor: the second window's own target is checked by the first, and the second takes over when the first closes", async () => {
  const siteA = new RestartableSite();
  const siteB = new RestartableSite();
  await siteA.start();
  await siteB.start();
  try {
    await withWorkbench(
      {
        name: 'multi-window',
        userSettings: {
          'networkMonitor.defaults.interval': INTERVAL_SECONDS,
          'networkMonitor.defaults.timeout': 2_000,
          'networkMonitor.defaults.retries': 0,
          'networkMonitor.defaults.alertThreshold': 2,
        },
        workspaceSettings: { 'networkMonitor.targets': [{ url: siteA.url, name: 'Site A', id: 'site-a' }] },
      },
      async (windowA) => {
        await windowA.activityBarItem('Network Monitor').waitFor({ timeout: STARTUP_WAIT_MS });
        await windowA.openViewContainer('Network Monitor');
        assert.ok(
          await showsUp(windowA, 'Site A', WAIT_MS),
          `Window A's row says "${await rowText(windowA, 'Site A')}", not UP with a response time.`,
        );
        await windowA.screenshot('window-a-checks-site-a');
        const writerA = readLease(windowA);
        assert.ok(writerA, 'Window A runs the monitor, so it holds the writer lease.');

        const windowB = await windowA.openWindow('window-b', {
          'networkMonitor.targets': [{ url: siteB.url, name: 'Site B', id: 'site-b' }],
        });
        try {
          await windowB.activityBarItem('Network Monitor').waitFor({ timeout: STARTUP_WAIT_MS });
          await windowB.openViewContainer('Network Monitor');
          const openedAt = Date.now();
          // Only window B's workspace defines Site B; window A checks it for B and B reads the result.
          assert.ok(
            await showsUp(windowB, 'Site B', WAIT_MS),
            `Window B's row says "${await rowText(windowB, 'Site B')}", not UP with a response time.`,
          );
          console.log(`[multi-window] window B's own target showed UP ${Date.now() - openedAt} ms after its sidebar opened.`);
          assert.equal(await windowB.treeRow('Site A', 'Targets').count(), 0, 'Window B shows only the targets its own settings define.');
          assert.equal(readLease(windowB)?.ownerId, writerA.ownerId, 'Window A still checks: window B reads what it records.');
          assert.ok(await moreHits(siteB, 2, WAIT_MS), `Site B answered only ${siteB.hits} checks: it is not checked on its interval.`);
          await windowB.screenshot('window-b-shows-site-b-checked-by-a');
          assert.ok(await showsUp(windowA, 'Site A', WAIT_MS), 'Window A still shows its own target UP.');
          await windowA.screenshot('window-a-with-window-b-open');

          // Check Now in the reading window: run by the checking window, shown in window B.
          const checkAskedAt = Date.now();
          const hitsBeforeCheck = siteB.hits;
          await runOnTarget(windowB, 'Network Monitor: Check Now', 'Site B');
          await windowB.statusBarItem(/Site B: UP/).waitFor({ timeout: WAIT_MS });
          console.log(
            `[multi-window] Check Now in window B answered in ${Date.now() - checkAskedAt} ms (site B saw ${siteB.hits - hitsBeforeCheck} requests meanwhile).`,
          );
          await windowB.screenshot('window-b-check-now');

          // Pausing in the reading window edits its settings; the checking window follows them.
          await runOnTarget(windowB, 'Network Monitor: Pause Target', 'Site B');
          assert.ok(
            await waitUntil(async () => /PAUSED/i.test(await rowText(windowB, 'Site B')), WAIT_MS),
            `After pausing, window B's row says "${await rowText(windowB, 'Site B')}".`,
          );
          // Twice a heartbeat for the checking window to read the change, and a check already running.
          await new Promise((resolve) => setTimeout(resolve, 5_000));
          const pausedHits = siteB.hits;
          await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL_SECONDS * 1000));
          assert.equal(siteB.hits, pausedHits, 'Site B is still checked after window B paused it.');
          await windowB.screenshot('window-b-paused-site-b');
          await runOnTarget(windowB, 'Network Monitor: Resume Target', 'Site B');
          assert.ok(await moreHits(siteB, 2, WAIT_MS), 'Site B is not checked again after window B resumed it.');
          assert.ok(
            await showsUp(windowB, 'Site B', WAIT_MS),
            `After resuming, window B's row says "${await rowText(windowB, 'Site B')}".`,
          );

          // Site B goes down and comes back: window B, whose target it is, is told; window A is not.
          await siteB.stop();
          await windowB.notificationToast(/Site B is down/).waitFor({ timeout: WAIT_MS });
          await windowB.screenshot('window-b-told-site-b-is-down');
          assert.equal(await windowA.notificationToast(/Site B/).count(), 0, 'Window A notified of a target its settings do not define.');
          await siteB.start();
          await windowB.notificationToast(/Site B is back up/).waitFor({ timeout: WAIT_MS });
          await windowB.screenshot('window-b-told-site-b-is-back');
          // Window B holds no history: the day's availability it shows, outage counted, is the checking window's answer.
          const availability = (text: string): number | undefined => {
            const match = /([\d.]+)% 24 h/.exec(text);
            return match ? Number(match[1]) : undefined;
          };
          assert.ok(
            await waitUntil(async () => (availability(await rowText(windowB, 'Site B')) ?? 100) < 100, WAIT_MS),
            `Window B's row says "${await rowText(windowB, 'Site B')}", without the outage in its 24-hour availability.`,
          );
          assert.equal(await windowA.notificationToast(/Site B/).count(), 0, 'Window A notified of a target its settings do not define.');

          // Window A closes: window B takes over the lease and keeps checking its own target.
          await windowA.page.close({ runBeforeUnload: true });
          const closedAt = Date.now();
          const tookOver = await waitUntil(async () => {
            const lease = readLease(windowB);
            return lease !== undefined && lease.ownerId !== writerA.ownerId;
          }, WAIT_MS);
          assert.ok(
            tookOver,
            `Window B did not take over within ${WAIT_MS / 1000} s of window A closing; the lease is ${JSON.stringify(readLease(windowB))}.`,
          );
          const writerB = readLease(windowB)!;
          console.log(`[multi-window] window B took over ${Date.now() - closedAt} ms after window A closed (heartbeat 5 s).`);
          assert.notEqual(writerB.pid, writerA.pid, 'Another extension host holds the lease now.');
          assert.ok(
            await waitUntil(async () => !processAlive(writerA.pid), WAIT_MS),
            `Window A's extension host (pid ${writerA.pid}) is still running after its window closed.`,
          );
          assert.ok(await moreHits(siteB, 3, WAIT_MS), `Site B answered only ${siteB.hits} checks after window B took over.`);
          assert.ok(
            await showsUp(windowB, 'Site B', WAIT_MS),
            `After the takeover window B's row says "${await rowText(windowB, 'Site B')}".`,
          );
          await windowB.screenshot('window-b-checks-after-a-closed');

          // Nobody wants Site A any more: after one interval for checks already running, it is quiet.
          await new Promise((resolve) => setTimeout(resolve, INTERVAL_SECONDS * 1000 + 1000));
          const siteAHits = siteA.hits;
          assert.ok(await moreHits(siteB, 2, WAIT_MS), 'Site B keeps being checked.');
          assert.equal(siteA.hits, siteAHits, 'Site A, defined only by the closed window, is no longer checked.');

          // Window A opens again, now reading; then window B's extension host crashes (SIGKILL, no
          // goodbye): window A takes over once it sees B's process gone, and carries on with Site A.
          const windowA2 = await windowA.openWindow('window-a-again', {
            'networkMonitor.targets': [{ url: siteA.url, name: 'Site A', id: 'site-a' }],
          });
          try {
            await windowA2.activityBarItem('Network Monitor').waitFor({ timeout: STARTUP_WAIT_MS });
            await windowA2.openViewContainer('Network Monitor');
            assert.ok(
              await moreHits(siteA, 2, WAIT_MS),
              'Window B, now checking, does not check the target of the window that opened again.',
            );
            assert.ok(await showsUp(windowA2, 'Site A', WAIT_MS), `The reopened window's row says "${await rowText(windowA2, 'Site A')}".`);
            assert.equal(readLease(windowA2)?.ownerId, writerB.ownerId, 'Window B still checks while window A reads.');
            await windowA2.screenshot('window-a-reopened-reads');

            process.kill(writerB.pid, 'SIGKILL');
            const crashedAt = Date.now();
            const recovered = await waitUntil(async () => {
              const lease = readLease(windowA2);
              return lease !== undefined && lease.ownerId !== writerB.ownerId;
            }, 60_000);
            assert.ok(
              recovered,
              `Nobody took over within 60 s of window B's extension host crashing; the lease is ${JSON.stringify(readLease(windowA2))}.`,
            );
            const writerAfterCrash = readLease(windowA2)!;
            console.log(
              `[multi-window] pid ${writerAfterCrash.pid} took over ${Date.now() - crashedAt} ms after window B's extension host (pid ${writerB.pid}) was killed.`,
            );
            assert.notEqual(writerAfterCrash.pid, writerB.pid);
            assert.ok(await moreHits(siteA, 3, WAIT_MS), `Site A answered only ${siteA.hits} checks after the crash takeover.`);
            assert.ok(
              await showsUp(windowA2, 'Site A', WAIT_MS),
              `After the crash takeover the row says "${await rowText(windowA2, 'Site A')}".`,
            );
            await windowA2.screenshot('window-a-checks-after-b-crashed');
          } finally {
            await windowA2.dispose();
          }
        } finally {
          await windowB.dispose();
        }
      },
    );
  } finally {
    await siteA.stop();
    await siteB.stop();
  }
});
