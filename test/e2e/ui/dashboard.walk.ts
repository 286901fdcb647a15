/**
 * The dashboard in a real VS Code, over a month of history: before the editor starts, the walk
 * writes 30 days of checks for five targets with the real SqlJsHistoryStore into the extension's
 * global storage (code-server keeps it under <user-data-dir>/User/globalStorage/<extension id>/),
 * and configures the same targets. Two of them point at servers the walk runs on 127.0.0.1 and are
 * checked live every 2 s; three are remote-looking, paused (never contacted), and located abroad
 * by their history.
 *
 * It then opens the dashboard from the palette and reads what Chart.js drew inside the webview
 * (the extension exposes the charts when NM_DASHBOARD_TEST_PROBE=1): the points per line against
 * the seeded checks, the map's markers and its "Local network" list, a range switch that asks the
 * host again, and live checks from the real scheduler growing the line. Screenshots in dark, light
 * and high-contrast themes go to test-results/ui/dashboard/.
 */
import * as assert from 'node:assert/strict';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import type { GeoLocation } from '../../../src/shared/geoLocation';
import type { CheckRecord } from '../../../src/core/store/checkRecord';
import { SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { resolveTarget, type Target, type TargetEntryObject } from '../../../src/core/targets/target';
import { RestartableSite } from '../../support/restartableSite';
import { STARTUP_WAIT_MS, WAIT_MS, waitUntil, withWorkbench, type WorkbenchDriver } from './workbenchDriver';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The seeded history: one check every 10 minutes for 30 days. */
const SEED_STEP_MS = 10 * MINUTE;
const SEED_DAYS = 30;
/** From package.json: publisher "network-monitor", name "network-monitor". */
const EXTENSION_ID = 'network-monitor.network-monitor';
const SPIKE_EVERY = 500;
const SPIKE_AGE = 36;

/** What the webview's test probe returns (webview-ui/src/dashboardApp.ts, DashboardTestSnapshot). */
interface DashboardSnapshot {
  range: string;
  seriesRequests: number;
  seriesResponses: number;
  maxPoints: number;
  response: { targetId: string; label: string; drawnPoints: number; anomalies: number }[];
  phase: { targetId: string | null; drawnPoints: number };
  series: {
    targetId: string;
    from: number;
    to: number;
    bucketMs: number;
    points: number;
    checks: number;
    first: number | null;
    last: number | null;
    evenStep: number | null;
  }[];
}

interface ProbeWindow {
  networkMonitorDashboard?: { snapshot(): DashboardSnapshot };
}

/** A loopback TCP service: accepts and closes. */
class TcpService {
  private server: TcpServer | undefined;
  port = 0;

  async start(): Promise<void> {
    const server = createTcpServer((socket) => socket.end());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

interface SeededTarget {
  entry: TargetEntryObject;
  target: Target;
  address: string;
  location: GeoLocation;
  baseMs: number;
  tlsDaysLeft: number | null;
}

const LOCAL: GeoLocation = { country: null, countryCode: null, city: null, isp: null, asn: null, lat: null, lon: null, local: true };

function seededTarget(
  entry: TargetEntryObject,
  address: string,
  location: GeoLocation,
  baseMs: number,
  tlsDaysLeft: number | null,
): SeededTarget {
  const resolved = resolveTarget(entry);
  if (!resolved.ok) throw new Error(`The walk's target ${entry.url} is invalid: ${resolved.error}`);
  return { entry, target: resolved.value, address, location, baseMs, tlsDaysLeft };
}

/** Seeded check times, newest first: `end`, `end - 10 min`, ... back 30 days. */
function seedTimes(end: number): number[] {
  return Array.from({ length: (SEED_DAYS * DAY) / SEED_STEP_MS }, (_, k) => end - k * SEED_STEP_MS);
}

/**
 * A month of checks per target through the real store, as the extension would have recorded
 * them: a daily rhythm, an hour-long outage three days ago on the first target, and a spike the
 * detector flagged every few days, the latest six hours ago.
 */
async function seedHistory(directory: string, targets: readonly SeededTarget[], end: number): Promise<void> {
  const store = await SqlJsHistoryStore.open({ directory });
  try {
    for (const seeded of targets) {
      const { target } = seeded;
      store.upsertTarget({ id: target.id, url: target.url, name: target.name });
      // Oldest first, as they would have been recorded; `age` counts checks back from the newest.
      seedTimes(end)
        .reverse()
        .forEach((startedAt, index, times) => {
          const age = times.length - 1 - index;
          const outage = seeded === targets[0] && startedAt > end - 3 * DAY - HOUR && startedAt <= end - 3 * DAY;
          const spike = age % SPIKE_EVERY === SPIKE_AGE;
          const totalMs = seeded.baseMs * (1 + 0.25 * Math.sin((2 * Math.PI * startedAt) / DAY)) * (spike ? 6 : 1);
          const tls = target.url.startsWith('https:');
          const phases = tls
            ? { dns: 3, connect: totalMs * 0.2, tls: totalMs * 0.3, firstByte: totalMs * 0.45 - 3, transfer: totalMs * 0.05 }
            : { dns: 0, connect: totalMs * 0.3, tls: 0, firstByte: totalMs * 0.6, transfer: totalMs * 0.1 };
          const record: CheckRecord = {
            targetId: target.id,
            target: target.url,
            startedAt,
            status: outage ? 'DOWN' : 'UP',
            reason: outage ? 'CONNECTION_REFUSED' : null,
            message: outage ? 'Connection refused' : target.kind === 'tcp' ? 'Connected' : '200 OK',
            statusCode: outage || target.kind === 'tcp' ? null : 200,
            totalMs: outage ? 1 : totalMs,
            phases: outage ? { dns: 0, connect: 1, tls: 0, firstByte: 0, transfer: 0 } : phases,
            tls:
              tls && seeded.tlsDaysLeft !== null
                ? {
                    subject: target.host,
                    issuer: 'Example CA',
                    validFrom: '2026-01-01T00:00:00Z',
                    validTo: new Date(end + seeded.tlsDaysLeft * DAY).toISOString(),
                    daysLeft: seeded.tlsDaysLeft,
                    authorized: true,
                  }
                : null,
            addresses: [seeded.address],
            anomalyScore: spike ? 0.93 : 0.08,
            location: seeded.location,
          };
          store.append(record);
        });
    }
    await store.flush();
    await store.snapshot();
  } finally {
    await store.dispose();
  }
}

async function snapshot(content: FrameLocator): Promise<DashboardSnapshot> {
  return content.locator('body').evaluate(() => {
    const probe = (globalThis as unknown as ProbeWindow).networkMonitorDashboard;
    if (!probe) throw new Error('The dashboard has no test probe: was the extension started with NM_DASHBOARD_TEST_PROBE=1?');
    return probe.snapshot();
  });
}

function lineOf(shot: DashboardSnapshot, targetId: string): DashboardSnapshot['response'][number] {
  const line = shot.response.find((dataset) => dataset.targetId === targetId);
  assert.ok(line, `The response-time chart has no line for ${targetId}; it has ${shot.response.map((d) => d.targetId).join(', ')}.`);
  return line;
}

function seriesOf(shot: DashboardSnapshot, targetId: string): DashboardSnapshot['series'][number] {
  const series = shot.series.find((s) => s.targetId === targetId);
  assert.ok(series, `The dashboard holds no series for ${targetId}.`);
  return series;
}

/** Waits for the answer to a series request made after `previous` answers, for `range`. */
async function waitForSeries(content: FrameLocator, previous: number, range: string): Promise<DashboardSnapshot> {
  let shot: DashboardSnapshot | undefined;
  const answered = await waitUntil(async () => {
    shot = await snapshot(content);
    return shot.seriesResponses > previous && shot.range === range && shot.response.length > 0;
  }, WAIT_MS);
  assert.ok(answered && shot, `No ${range} series was drawn; the dashboard reports ${JSON.stringify(shot)}.`);
  return shot;
}

/** Picks a colour theme through the palette, as a user does, and waits for the webview to follow. */
async function useColorTheme(workbench: WorkbenchDriver, label: string, bodyClass: string): Promise<void> {
  const { page } = workbench;
  await workbench.startCommand('Preferences: Color Theme');
  await workbench.waitFor(
    page.locator('.quick-input-list .monaco-list-row', { hasText: 'Dark Modern' }).first(),
    'the list of colour themes',
  );
  await workbench.pick(label);
  await workbench.waitFor(page.locator('.quick-input-widget'), 'the theme picker to close', { state: 'hidden' });
  const body = workbench.webviewContent().locator('body');
  await workbench.waitUntil(
    `the dashboard to switch to ${label}`,
    async () => ((await body.getAttribute('class')) ?? '').split(/\s+/).includes(bodyClass),
    {
      describe: async () => `Its body class is "${await body.getAttribute('class')}".`,
    },
  );
}

async function screenshotDashboard(workbench: WorkbenchDriver, theme: string): Promise<void> {
  const content = workbench.webviewContent();
  await content.locator('h1').scrollIntoViewIfNeeded();
  // Theme changes redraw the charts on the next frame: wait until two frames have been painted.
  await content.locator('body').evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  await workbench.screenshot(`dashboard-${theme}-charts`);
  await content.locator('svg.world-map').scrollIntoViewIfNeeded();
  await content.locator('svg.world-map circle.marker').first().hover();
  await content.locator('.map-tooltip').waitFor();
  await workbench.screenshot(`dashboard-${theme}-map-and-report`);
  await content.locator('h1').scrollIntoViewIfNeeded();
}

test(
  'the dashboard draws a month of seeded history, its map, a range switch and live checks, in dark, light and high-contrast themes',
  { timeout: 10 * 60_000 },
  async (t) => {
    const site = new RestartableSite();
    const tcp = new TcpService();
    await site.start();
    await tcp.start();
    const targets = [
      seededTarget(
        { id: 'local-site', url: `http://127.0.0.1:${site.port}/`, name: 'Local site', interval: 2 },
        '127.0.0.1',
        LOCAL,
        4,
        null,
      ),
      seededTarget(
        { id: 'local-tcp', url: `tcp://127.0.0.1:${tcp.port}`, name: 'Local TCP service', interval: 5 },
        '127.0.0.1',
        LOCAL,
        2,
        null,
      ),
      // Paused, so they are never contacted: their place on the map comes from the history.
      seededTarget(
        { id: 'frankfurt-api', url: 'https://api.frankfurt.example/health', name: 'Frankfurt API', paused: true },
        '192.0.2.10',
        {
          country: 'Germany',
          countryCode: 'DE',
          city: 'Frankfurt am Main',
          isp: 'Example Hosting GmbH',
          asn: 64_501,
          lat: 50.11,
          lon: 8.68,
          local: false,
        },
        38,
        9,
      ),
      seededTarget(
        { id: 'tokyo-cdn', url: 'https://cdn.tokyo.example/', name: 'Tokyo CDN', paused: true },
        '198.51.100.20',
        { country: 'Japan', countryCode: 'JP', city: null, isp: null, asn: 64_502, lat: 36.63, lon: 137.88, local: false },
        120,
        60,
      ),
      seededTarget(
        { id: 'sao-paulo-shop', url: 'https://shop.saopaulo.example/', name: 'São Paulo shop', paused: true },
        '203.0.113.30',
        { country: 'Brazil', countryCode: 'BR', city: 'São Paulo', isp: null, asn: null, lat: -23.55, lon: -46.63, local: false },
        180,
        45,
      ),
    ];
    const paused = targets.filter((t) => t.entry.paused === true);
    let seedEnd = 0;
    try {
      await withWorkbench(
        {
          name: 'dashboard',
          env: { NM_DASHBOARD_TEST_PROBE: '1' },
          userSettings: {
            'workbench.colorTheme': 'Default Dark Modern',
            'networkMonitor.defaults.retries': 0,
            'networkMonitor.defaults.timeout': 2_000,
            'networkMonitor.targets': targets.map((t) => t.entry),
          },
          prepareProfile: async ({ userDataDir }) => {
            seedEnd = Date.now();
            await seedHistory(join(userDataDir, 'User', 'globalStorage', EXTENSION_ID), targets, seedEnd);
          },
        },
        async (workbench) => {
          await workbench.waitFor(workbench.activityBarItem('Network Monitor'), 'Network Monitor in the activity bar', {
            timeoutMs: STARTUP_WAIT_MS,
          });
          await workbench.waitFor(workbench.statusBarItem(/2 up/), 'the status bar to count the two local targets up', {
            timeoutMs: STARTUP_WAIT_MS,
          });

          const commandAt = Date.now();
          await workbench.runCommand('Network Monitor: Open Dashboard');
          const content = workbench.webviewContent();
          await workbench.waitFor(content.locator('#response-chart'), "the dashboard's response-time chart");

          // ---- 24 h, the default range: every seeded check of the last day is a point on its line.
          const day = await waitForSeries(content, 0, '24h');
          const marks = await content
            .locator('body')
            .evaluate(() =>
              Object.fromEntries(performance.getEntriesByType('mark').map((mark) => [mark.name, Math.round(mark.startTime)])),
            );
          const firstChart = marks['nm-first-chart'];
          // Figures, not assertions: the bench measures this properly; here it is the real editor with 5 targets.
          if (firstChart !== undefined) {
            const loadedAt = await content.locator('body').evaluate(() => performance.timeOrigin);
            t.diagnostic(
              `code-server: palette command to first chart ${Math.round(loadedAt + firstChart - commandAt)} ms; in the webview, ms from its load: ${JSON.stringify(marks)}`,
            );
          }
          assert.ok(
            day.maxPoints * SEED_STEP_MS >= DAY,
            `The chart asked for ${day.maxPoints} points a line, too few to keep one check every 10 minutes apart; is the editor narrower than 640 px?`,
          );
          assert.deepEqual(day.response.map((line) => line.label).sort(), targets.map((t) => t.target.name).sort());
          for (const seeded of targets) {
            const line = lineOf(day, seeded.target.id);
            const series = seriesOf(day, seeded.target.id);
            assert.equal(
              line.drawnPoints,
              series.points,
              `${seeded.target.name}: Chart.js laid out ${line.drawnPoints} points of the ${series.points} it was given.`,
            );
          }
          for (const seeded of paused) {
            const series = seriesOf(day, seeded.target.id);
            const inWindow = seedTimes(seedEnd).filter((t) => t > series.to - DAY && t <= series.to).length;
            // The store's first bucket starts at or before the window and is left out, so one check at the edge may be too.
            const drawn = lineOf(day, seeded.target.id).drawnPoints;
            assert.ok(
              drawn >= inWindow - 1 && drawn <= inWindow,
              `${seeded.target.name}: ${drawn} points drawn for the ${inWindow} checks seeded in the last 24 h.`,
            );
          }
          for (const seeded of targets) {
            assert.equal(
              lineOf(day, seeded.target.id).anomalies,
              1,
              `${seeded.target.name}: the spike flagged six hours ago is not marked on its line.`,
            );
          }
          // The phases are painted one frame after the response times (the dashboard paints what it
          // is opened for first), so the snapshot above may come before them.
          let phaseShot = day;
          const phasesDrawn = await waitUntil(async () => {
            phaseShot = await snapshot(content);
            return phaseShot.phase.drawnPoints > 0;
          }, WAIT_MS);
          assert.ok(phasesDrawn, `The phase breakdown drew nothing; the dashboard reports ${JSON.stringify(phaseShot.phase)}.`);

          // ---- The map: a marker per located target, coloured by state; local ones listed instead.
          const markers = content.locator('svg.world-map circle.marker');
          assert.equal(await markers.count(), paused.length);
          for (const seeded of paused) {
            const marker = content.locator(`svg.world-map circle.marker[data-target-id="${seeded.target.id}"]`);
            assert.equal(await marker.getAttribute('class'), 'marker status-paused', `${seeded.target.name}'s marker`);
          }
          const localList = content.locator('.map-list', { has: content.locator('h3', { hasText: 'Local network' }) });
          assert.deepEqual(
            (await localList.locator('li').allTextContents()).map((text) => text.trim()).sort(),
            ['Local site 127.0.0.1', 'Local TCP service 127.0.0.1'].sort(),
          );
          await content.locator('svg.world-map circle.marker[data-target-id="frankfurt-api"]').hover();
          const tooltip = content.locator('.map-tooltip');
          await tooltip.waitFor();
          assert.deepEqual(await tooltip.locator('div').allTextContents(), [
            'Frankfurt API',
            'PAUSED · Frankfurt am Main, Germany',
            'Example Hosting GmbH (AS64501)',
            'IP 192.0.2.10',
          ]);
          assert.ok(
            Number(await content.locator('svg.world-map').getAttribute('data-countries')) > 150,
            'The country shapes were not drawn.',
          );
          await screenshotDashboard(workbench, 'dark');

          // ---- Switching to 30 days asks the host again and draws the month from the hour rollups.
          await content.locator('button[data-range="30d"]').click();
          const month = await waitForSeries(content, day.seriesResponses, '30d');
          assert.equal(month.seriesRequests, day.seriesRequests + 1, 'One new series request for the new range.');
          for (const seeded of paused) {
            const series = seriesOf(month, seeded.target.id);
            const line = lineOf(month, seeded.target.id);
            assert.equal(line.drawnPoints, series.points);
            assert.ok(
              series.evenStep !== null && series.evenStep % HOUR === 0,
              `${seeded.target.name}: the month is not drawn in whole-hour buckets (${JSON.stringify(series)}).`,
            );
            const buckets = (SEED_DAYS * DAY) / series.evenStep;
            assert.ok(
              Math.abs(series.points - buckets) <= 1,
              `${seeded.target.name}: ${series.points} points for a month in ${series.evenStep / HOUR} h buckets (${buckets}).`,
            );
            assert.ok(series.points <= month.maxPoints, `${seeded.target.name}: more points than asked for.`);
          }
          assert.ok(
            await waitUntil(async () => (await content.locator('.incident-list li', { hasText: 'Local site' }).count()) > 0, WAIT_MS),
            'The outage seeded three days ago is not listed among the incidents of the month.',
          );
          await workbench.screenshot('dashboard-dark-30-days');

          // ---- 1 h: the real scheduler checks the local site every 2 s and each check lands on the line, pushed, not polled.
          // On a slow run the hour may already hold nearly as many checks as the chart has points for; the next live
          // check then folds the line into buckets, as it should. So count the checks the line stands for, and see
          // that Chart.js draws every point the series holds.
          await content.locator('button[data-range="1h"]').click();
          const hour = await waitForSeries(content, month.seriesResponses, '1h');
          const startChecks = seriesOf(hour, 'local-site').checks;
          const startHits = site.hits;
          let latest = hour;
          const grew = await waitUntil(async () => {
            const hits = site.hits;
            latest = await snapshot(content);
            const series = seriesOf(latest, 'local-site');
            return (
              hits - startHits >= 3 &&
              series.checks - startChecks === hits - startHits &&
              lineOf(latest, 'local-site').drawnPoints === series.points &&
              site.hits === hits
            );
          }, WAIT_MS);
          const last = seriesOf(latest, 'local-site');
          assert.ok(
            grew,
            `The local site answered ${site.hits - startHits} checks, but its line went from ${startChecks} to ${last.checks} checks (${lineOf(latest, 'local-site').drawnPoints} of ${last.points} points drawn).`,
          );
          assert.equal(latest.seriesRequests, hour.seriesRequests, 'Live checks arrived without the webview asking again.');
          await workbench.screenshot('dashboard-dark-1-hour-live');

          // ---- Themes: the same dashboard in light and high contrast, drawn with the theme's colours.
          await content.locator('button[data-range="24h"]').click();
          await waitForSeries(content, latest.seriesResponses, '24h');
          await useColorTheme(workbench, 'Light Modern', 'vscode-light');
          await screenshotDashboard(workbench, 'light');
          await useColorTheme(workbench, 'Dark High Contrast', 'vscode-high-contrast');
          await screenshotDashboard(workbench, 'high-contrast');
          // The webview counts what its content security policy blocked (webview-ui/src/main.ts).
          assert.equal(
            await content.locator('body').getAttribute('data-csp-violations'),
            null,
            'The dashboard broke its content security policy; see the Network Monitor log.',
          );
        },
      );
    } finally {
      await site.stop();
      await tcp.stop();
    }
  },
);
