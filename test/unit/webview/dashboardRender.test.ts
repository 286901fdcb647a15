// Renders the real dashboard bundle in headless Chromium under the real CSP, with a stubbed
// acquireVsCodeApi playing the host: 20 targets x 30 days of history, then a range switch and a
// live check. Screenshots in a light and a dark theme go to test-results/webview/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { skipForMissing } from '../../support/testDependencies';
import {
  RANGE_MS,
  type DashboardTarget,
  type DashboardTargetState,
  type HostToWebviewMessage,
  type MapLocation,
  type RangeName,
  type WebviewToHostMessage,
} from '../../../src/shared/dashboardProtocol';
import { buildSeries, sampleFromCheck, type SeriesSample } from '../../../src/shared/seriesDownsampling';
import { renderDashboardHtml } from '../../../src/vscode/dashboard/dashboardHtml';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(__dirname, '..', '..', '..');
const ARTIFACTS = join(ROOT, 'test-results', 'webview');
const MINUTE = 60_000;

const THEMES = {
  light: `body { --vscode-foreground: #3b3b3b; --vscode-descriptionForeground: #717171; --vscode-editor-background: #ffffff;
    --vscode-editorWidget-background: #f8f8f8; --vscode-panel-border: #e5e5e5; --vscode-font-family: sans-serif; --vscode-font-size: 13px;
    --vscode-button-background: #005fb8; --vscode-button-foreground: #ffffff; --vscode-button-secondaryBackground: #e5e5e5;
    --vscode-button-secondaryForeground: #3b3b3b; --vscode-focusBorder: #005fb8; --vscode-charts-blue: #1a85ff; --vscode-charts-orange: #d18616;
    --vscode-charts-green: #388a34; --vscode-charts-purple: #652d90; --vscode-charts-yellow: #bf8803; --vscode-charts-red: #e51400;
    --vscode-charts-lines: rgba(59, 59, 59, 0.2); --vscode-testing-iconPassed: #388a34; --vscode-testing-iconFailed: #e51400;
    --vscode-editorWarning-foreground: #bf8803; --vscode-errorForeground: #e51400; --vscode-disabledForeground: #8a8a8a;
    --vscode-editorHoverWidget-background: #f8f8f8; --vscode-editorHoverWidget-border: #c8c8c8; --vscode-dropdown-background: #ffffff;
    --vscode-dropdown-foreground: #3b3b3b; --vscode-dropdown-border: #cecece; }`,
  dark: `body { --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-editor-background: #1f1f1f;
    --vscode-editorWidget-background: #202020; --vscode-panel-border: #2b2b2b; --vscode-font-family: sans-serif; --vscode-font-size: 13px;
    --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff; --vscode-button-secondaryBackground: #313131;
    --vscode-button-secondaryForeground: #cccccc; --vscode-focusBorder: #0078d4; --vscode-charts-blue: #3794ff; --vscode-charts-orange: #d18616;
    --vscode-charts-green: #89d185; --vscode-charts-purple: #b180d7; --vscode-charts-yellow: #cca700; --vscode-charts-red: #f14c4c;
    --vscode-charts-lines: rgba(204, 204, 204, 0.2); --vscode-testing-iconPassed: #73c991; --vscode-testing-iconFailed: #f14c4c;
    --vscode-editorWarning-foreground: #cca700; --vscode-errorForeground: #f85149; --vscode-disabledForeground: #6e7681;
    --vscode-editorHoverWidget-background: #202020; --vscode-editorHoverWidget-border: #454545; --vscode-dropdown-background: #313131;
    --vscode-dropdown-foreground: #cccccc; --vscode-dropdown-border: #3c3c3c; }`,
} as const;

const COUNTRIES: [string, string, number, number][] = [
  ['US', 'United States', 39.89, -98.82],
  ['DE', 'Germany', 51.03, 10.35],
  ['JP', 'Japan', 36.63, 137.88],
  ['BR', 'Brazil', -10.69, -53.24],
  ['AU', 'Australia', -25.63, 134.21],
  ['SG', 'Singapore', 1.36, 103.82],
  ['ZA', 'South Africa', -28.97, 25.19],
];

function makeTargets(): DashboardTarget[] {
  return Array.from({ length: 20 }, (_, i): DashboardTarget => {
    const local = i >= 17;
    const [code, country, lat, lon] = COUNTRIES[i % COUNTRIES.length]!;
    const location: MapLocation = local
      ? { country: null, countryCode: null, city: null, isp: null, asn: null, lat: null, lon: null, local: true }
      : {
          country,
          countryCode: code,
          city: i === 0 ? 'Mountain View' : null,
          isp: i === 0 ? 'Google LLC' : null,
          asn: i === 0 ? 15169 : null,
          lat,
          lon,
          local: false,
        };
    return {
      id: `t${i}`,
      name: local ? `lan-${i}.internal` : `service-${i}.example`,
      url: `https://service-${i}.example/`,
      kind: 'http',
      address: local ? `192.168.1.${i}` : `203.0.113.${i}`,
      location,
    };
  });
}

/** One check a minute for 30 days, a slow phase every few hours, an outage on two targets. */
function history(targetIndex: number, now: number): SeriesSample[] {
  const samples: SeriesSample[] = [];
  for (let t = now - RANGE_MS['30d'] + MINUTE; t <= now; t += MINUTE) {
    const minute = Math.floor(t / MINUTE);
    const down = targetIndex < 2 && minute % 5000 < 40;
    const base = 45 + targetIndex * 6 + 15 * Math.sin(minute / 180);
    const spike = minute % 997 === targetIndex ? 600 : 0;
    samples.push(
      sampleFromCheck(
        {
          startedAt: t,
          status: down ? 'DOWN' : 'UP',
          totalMs: base + spike,
          phases: { dns: 2, connect: 8, tls: 12, firstByte: base + spike - 26, transfer: 4 }, // base >= 25
        },
        spike > 0,
      ),
    );
  }
  return samples;
}

let browser: Browser | undefined;
let server: Server | undefined;
let origin = '';
let buildDir = '';

before(async () => {
  if (!existsSync(CHROMIUM)) return;
  buildDir = mkdtempSync(join(tmpdir(), 'dashboard-render-'));
  await esbuild.build({
    entryPoints: { dashboard: join(ROOT, 'webview-ui', 'src', 'main.ts') },
    outdir: buildDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    loader: { '.css': 'css' },
    logLevel: 'silent',
  });
  server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const theme = /^\/theme-(light|dark)\.css$/.exec(path)?.[1] as keyof typeof THEMES | undefined;
    if (theme) {
      response.writeHead(200, { 'content-type': 'text/css' }).end(THEMES[theme]);
    } else if (path === '/dashboard.js' || path === '/dashboard.css') {
      response
        .writeHead(200, { 'content-type': path.endsWith('.js') ? 'text/javascript' : 'text/css' })
        .end(readFileSync(join(buildDir, path)));
    } else if (path === '/light.html' || path === '/dark.html') {
      const html = renderDashboardHtml({
        cspSource: origin,
        scriptUri: `${origin}/dashboard.js`,
        styleUri: `${origin}/dashboard.css`,
      }).replace('</head>', `<link rel="stylesheet" href="${origin}/theme-${path.slice(1, -5)}.css">\n</head>`);
      response.writeHead(200, { 'content-type': 'text/html' }).end(html);
    } else if (path === '/de.html') {
      // The page as the extension renders it for an editor in German, with the German bundle.
      const bundle = JSON.parse(readFileSync(join(ROOT, 'l10n', 'bundle.l10n.de.json'), 'utf8')) as Record<string, string>;
      const html = renderDashboardHtml({
        cspSource: origin,
        scriptUri: `${origin}/dashboard.js`,
        styleUri: `${origin}/dashboard.css`,
        language: 'de',
        l10nBundle: bundle,
      });
      response.writeHead(200, { 'content-type': 'text/html' }).end(html);
    } else if (path === '/favicon.ico') {
      response.writeHead(204).end();
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

async function openDashboard(theme: 'light' | 'dark' | 'de'): Promise<{ page: Page; problems: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 1500 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || /Refused to|Content Security Policy/.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  // The VS Code webview API, played by the test: posted messages are collected for it to read.
  // A string, not a function: tsx's compiled functions reference helpers the page does not have.
  await page.addInitScript(`
    window.__posted = [];
    window.__state = undefined;
    window.acquireVsCodeApi = () => ({
      postMessage: (message) => window.__posted.push(message),
      getState: () => window.__state,
      setState: (state) => { window.__state = state; },
    });
  `);
  await page.goto(`${origin}/${theme}.html`);
  return { page, problems };
}

async function posted(page: Page): Promise<WebviewToHostMessage[]> {
  // Strings, not functions, for page code: the test's tsconfig has no DOM types.
  return page.evaluate('window.__posted') as Promise<WebviewToHostMessage[]>;
}

async function waitForPosted(page: Page, predicate: (message: WebviewToHostMessage) => boolean, after = 0): Promise<WebviewToHostMessage> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = (await posted(page)).slice(after).find(predicate);
    if (found) return found;
    await page.waitForTimeout(50);
  }
  throw new Error(`The dashboard did not post the expected message; it posted ${JSON.stringify((await posted(page)).map((m) => m.type))}`);
}

async function send(page: Page, message: HostToWebviewMessage): Promise<void> {
  await page.evaluate(`window.postMessage(${JSON.stringify(message)}, '*')`);
}

async function drawnCount(page: Page): Promise<number> {
  return Number(await page.evaluate("document.body.dataset.drawn ?? '0'"));
}

async function waitForDraw(page: Page, previous: number): Promise<void> {
  // Polled with evaluate: waitForFunction with a string needs eval, which the page's CSP forbids.
  for (let attempt = 0; attempt < 200; attempt++) {
    if ((await drawnCount(page)) > previous) return;
    await page.waitForTimeout(25);
  }
  throw new Error('The dashboard did not redraw within 5 s.');
}

/** What the host would answer: the series message and the number of response-time points in it. */
function seriesAnswer(
  request: WebviewToHostMessage,
  targets: DashboardTarget[],
  now: number,
): { message: HostToWebviewMessage; points: number } {
  assert.ok(request.type === 'requestSeries');
  const series = request.targetIds.map((id) =>
    buildSeries(
      history(
        targets.findIndex((t) => t.id === id),
        now,
      ),
      { targetId: id, range: request.range, now, maxPoints: request.maxPoints },
    ),
  );
  return {
    message: { type: 'series', requestId: request.requestId, series },
    points: series.reduce((sum, s) => sum + s.avg.filter((v) => v !== null).length, 0),
  };
}

async function answerSeries(page: Page, request: WebviewToHostMessage, targets: DashboardTarget[], now: number): Promise<number> {
  const answer = seriesAnswer(request, targets, now);
  await send(page, answer.message);
  return answer.points;
}

for (const theme of ['light', 'dark'] as const) {
  test(`dashboard renders 20 targets x 30 days, switches range and takes a live check (${theme} theme)`, { timeout: 60_000 }, async (t) => {
    if (!browser) {
      t.skip(skipForMissing('chromium', `${CHROMIUM} is not installed`));
      return;
    }
    const { page, problems } = await openDashboard(theme);
    try {
      const ready = await waitForPosted(page, (m) => m.type === 'ready');
      const now = Date.now();
      const targets = makeTargets();
      const states: DashboardTargetState[] = targets.map((target, i) => ({
        targetId: target.id,
        status: i === 1 ? 'DOWN' : i === 2 ? 'DEGRADED' : 'UP',
        since: now - 3_600_000,
        lastCheckAt: now,
        lastTotalMs: 50,
        message: null,
      }));
      const initAt = (await posted(page)).length;
      await send(page, { type: 'init', targets, states, range: '24h', now });
      // The first series request rides on ready, for all targets (the webview does not know them yet).
      assert.ok(
        ready.type === 'ready' && ready.series && ready.series.targetIds === null && ready.series.range === '24h',
        JSON.stringify(ready),
      );
      const request: WebviewToHostMessage = { type: 'requestSeries', ...ready.series, targetIds: targets.map((target) => target.id) };
      const report = await waitForPosted(page, (m) => m.type === 'requestReport', initAt);
      // The report is asked for after init was handled: by then a second series request would have left.
      assert.equal(
        (await posted(page)).slice(initAt).filter((m) => m.type === 'requestSeries').length,
        0,
        'init does not ask for the series again',
      );
      await send(page, {
        type: 'report',
        requestId: report.type === 'requestReport' ? report.requestId : 0,
        range: '24h',
        rows: targets.map((target, i) => ({
          targetId: target.id,
          name: target.name,
          url: target.url,
          availability: i === 1 ? 0.9861 : 1,
          avgMs: 50 + i,
          p95Ms: 90 + i,
          location: target.location?.local ? 'Local network' : (target.location?.country ?? null),
          anomalies: i % 3,
          lastStatus: states[i]!.status,
          certDaysLeft: i === 3 ? 9 : 60,
        })),
      });
      // The 24 h range first: 1440 checks per target, downsampled to at most 500 points.
      let drawn = await drawnCount(page);
      let expected = await answerSeries(page, request, targets, now);
      await waitForDraw(page, drawn);
      assert.equal(await page.getAttribute('#response-chart', 'data-datasets'), '20');
      assert.equal(Number(await page.getAttribute('#response-chart', 'data-points')), expected);
      assert.ok(expected <= 20 * 500);
      assert.equal(await page.locator('circle.marker').count(), 17, 'one marker per located target');
      assert.equal(await page.locator('circle.marker.status-down').count(), 1);
      assert.equal(await page.locator('.map-list li').count(), 3, 'three local targets listed under Local network');
      assert.equal(await page.locator('#report-table tbody tr').count(), 20);

      // Switching to 30 days asks the host again and draws what it answers.
      const beforeSwitch = (await posted(page)).length;
      await page.click('button[data-range="30d"]');
      const monthRequest = await waitForPosted(page, (m) => m.type === 'requestSeries', beforeSwitch);
      assert.ok(monthRequest.type === 'requestSeries' && monthRequest.range === '30d');
      await waitForPosted(page, (m) => m.type === 'requestReport', beforeSwitch);
      drawn = await drawnCount(page);
      const monthAnswer = seriesAnswer(monthRequest, targets, now);
      expected = monthAnswer.points;
      const started = performance.now();
      await send(page, monthAnswer.message);
      await waitForDraw(page, drawn);
      const drawMs = performance.now() - started;
      assert.equal(Number(await page.getAttribute('#response-chart', 'data-points')), expected);
      assert.ok(Number(await page.getAttribute('#response-chart', 'data-anomalies')) > 0, 'anomalies marked');
      t.diagnostic(`30 d x 20 targets (${expected} points): series message to chart drawn in ${drawMs.toFixed(0)} ms`);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.locator('circle.marker').first().hover();
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-${theme}.png`), fullPage: true });

      // Live: a check pushed by the host appears without another request.
      const beforeHour = (await posted(page)).length;
      await page.click('button[data-range="1h"]');
      const hourRequest = await waitForPosted(page, (m) => m.type === 'requestSeries', beforeHour);
      drawn = await drawnCount(page);
      expected = await answerSeries(page, hourRequest, targets, now);
      await waitForDraw(page, drawn);
      assert.equal(Number(await page.getAttribute('#response-chart', 'data-points')), expected);
      const requestsBefore = (await posted(page)).filter((m) => m.type === 'requestSeries').length;
      drawn = await drawnCount(page);
      await send(page, {
        type: 'checkAdded',
        check: { targetId: 't0', startedAt: Date.now() + 1000, status: 'UP', totalMs: 77, phases: [1, 2, 3, 67, 4], anomaly: false },
      });
      await waitForDraw(page, drawn);
      assert.equal(Number(await page.getAttribute('#response-chart', 'data-points')), expected + 1);
      assert.equal((await posted(page)).filter((m) => m.type === 'requestSeries').length, requestsBefore, 'no polling');

      const saved = (await page.evaluate('window.__state')) as { range: RangeName };
      assert.equal(saved.range, '1h', 'the range is kept in the webview state');
      assert.deepEqual(problems, [], 'no script errors and no CSP violations');
    } catch (error) {
      throw new Error(`${(error as Error).message}\nPage errors: ${JSON.stringify(problems)}`, { cause: error });
    } finally {
      await page.close();
    }
  });
}

test('anything the content security policy blocks is reported to the extension and counted on the page', { timeout: 30_000 }, async (t) => {
  if (!browser) {
    t.skip(skipForMissing('chromium', `${CHROMIUM} is not installed`));
    return;
  }
  const { page } = await openDashboard('dark');
  try {
    await waitForPosted(page, (m) => m.type === 'ready');
    assert.equal(await page.getAttribute('body', 'data-csp-violations'), null, 'the dashboard itself breaks no rule');
    // An inline style attribute, which the policy forbids ('unsafe-inline' is not allowed).
    await page.evaluate("document.getElementById('app').setAttribute('style', 'color: red')");
    const report = await waitForPosted(page, (m) => m.type === 'webviewError');
    assert.ok(
      report.type === 'webviewError' && /^Blocked by the content security policy \(style-src-attr\)/.test(report.message),
      JSON.stringify(report),
    );
    assert.equal(await page.getAttribute('body', 'data-csp-violations'), '1');
  } finally {
    await page.close();
  }
});

test('in a German editor the dashboard speaks German, from the same bundle as the extension', { timeout: 30_000 }, async (t) => {
  if (!browser) {
    t.skip(skipForMissing('chromium', `${CHROMIUM} is not installed`));
    return;
  }
  const { page, problems } = await openDashboard('de');
  try {
    await waitForPosted(page, (m) => m.type === 'ready');
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    const headings = await page.locator('h2').allTextContents();
    for (const heading of ['Antwortzeit', 'Antwortzeit nach Phasen', 'Verfügbarkeit und Störungen', 'Serverstandorte', 'Bericht']) {
      assert.ok(headings.includes(heading), `"${heading}" among ${JSON.stringify(headings)}`);
    }
    assert.ok((await page.locator('button', { hasText: 'Aktualisieren' }).count()) === 1);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});
