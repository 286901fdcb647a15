/**
 * Dashboard bench: from opening the dashboard to its first chart drawn, with 30 days of history
 * for 20 targets checked every minute, kept the way the store keeps it after 30 days (7 days of
 * raw checks, 2 days of minute, then hour and day rollups).
 *
 * Real parts end to end: the history is a snapshot opened by the real HistoryFollower; the
 * host side is the real DashboardSession over the real MonitorDashboardSource (the store's series
 * queries and the message building); the webview is the production bundle in headless Chromium
 * under the real CSP. Messages cross as JSON in both directions, as they do in VS Code. The
 * baseline is the same dashboard opened over an empty history in the same run.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { GeoLocation } from '../src/shared/geoLocation';
import type { CheckRecord } from '../src/core/store/checkRecord';
import { LatencyHistogram } from '../src/core/store/latencyHistogram';
import { ROLLUP_LEVELS, migrate } from '../src/core/store/schema';
import { encodeSnapshot } from '../src/core/store/snapshotFile';
import { loadSqlJs } from '../src/core/store/sqlJsLoader';
import { HistoryFollower } from '../src/core/store/historyFollower';
import { SNAPSHOT_FILE } from '../src/core/store/sqlJsHistoryStore';
import type { HostToWebviewMessage, RangeName } from '../src/shared/dashboardProtocol';
import { renderDashboardHtml } from '../src/vscode/dashboard/dashboardHtml';
import { DashboardSession } from '../src/vscode/dashboard/dashboardSession';
import { MonitorDashboardSource } from '../src/vscode/monitor/monitorDashboardSource';
import type { MonitorService, TargetSnapshot } from '../src/vscode/monitor/monitorService';

const CHROMIUM = process.env.NM_CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = join(__dirname, '..');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TARGETS = 20;
const RUNS = 7;
const GOAL_MS = 500;

const DARK_THEME = `body { --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-editor-background: #1f1f1f;
  --vscode-editorWidget-background: #202020; --vscode-panel-border: #2b2b2b; --vscode-font-family: sans-serif; --vscode-font-size: 13px;
  --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff; --vscode-button-secondaryBackground: #313131;
  --vscode-button-secondaryForeground: #cccccc; --vscode-charts-blue: #3794ff; --vscode-charts-orange: #d18616; --vscode-charts-green: #89d185;
  --vscode-charts-purple: #b180d7; --vscode-charts-yellow: #cca700; --vscode-charts-red: #f14c4c; --vscode-charts-lines: rgba(204, 204, 204, 0.2);
  --vscode-testing-iconPassed: #73c991; --vscode-testing-iconFailed: #f14c4c; --vscode-editorWarning-foreground: #cca700; }`;

const PLACES: [string, string, number, number][] = [
  ['US', 'United States', 39.89, -98.82],
  ['DE', 'Germany', 51.03, 10.35],
  ['JP', 'Japan', 36.63, 137.88],
  ['BR', 'Brazil', -10.69, -53.24],
  ['AU', 'Australia', -25.63, 134.21],
  ['SG', 'Singapore', 1.36, 103.82],
];

// ---- the seeded history -----------------------------------------------------------------------

let randomState = 2024;
function random(): number {
  randomState = (randomState * 1103515245 + 12345) % 2147483648;
  return randomState / 2147483648;
}

interface SeedCheck {
  at: number;
  status: 0 | 2;
  totalUs: number;
  phasesUs: [number, number, number, number, number];
  anomalyE4: number;
}

/** One target's minute checks: a daily rhythm, noise, rare spikes and a monthly outage. */
function* minuteChecks(index: number, from: number, to: number): Generator<SeedCheck> {
  for (let at = from; at < to; at += MINUTE) {
    const minute = Math.floor(at / MINUTE);
    const down = index % 5 === 0 && minute % 20_000 < 30;
    const spike = random() < 0.002;
    const totalMs = 40 + index * 4 + 12 * Math.sin((2 * Math.PI * minute) / 1440) + random() * 8 + (spike ? 400 : 0);
    const us = Math.round(totalMs * 1000);
    const firstByte = us - 26_000;
    yield {
      at: at + index * 997,
      status: down ? 2 : 0,
      totalUs: down ? 10_000_000 : us,
      phasesUs: [2000, 8000, 12_000, firstByte, 4000],
      anomalyE4: spike ? 9000 : Math.floor(random() * 2000),
    };
  }
}

class Bucket {
  count = 0;
  up = 0;
  down = 0;
  min = Infinity;
  max = 0;
  sum = 0;
  anomaly = 0;
  readonly phases = [0, 0, 0, 0, 0];
  readonly histogram = new LatencyHistogram();

  add(check: SeedCheck): void {
    this.count++;
    this.anomaly = Math.max(this.anomaly, check.anomalyE4);
    if (check.status === 2) {
      this.down++;
      return;
    }
    this.up++;
    this.min = Math.min(this.min, check.totalUs);
    this.max = Math.max(this.max, check.totalUs);
    this.sum += check.totalUs;
    check.phasesUs.forEach((us, i) => (this.phases[i]! += us));
    this.histogram.add(check.totalUs / 1000);
  }
}

/** Writes the snapshot the store would have after 30 days under the default retention. */
async function seedHistory(directory: string, now: number, targets: number): Promise<number> {
  const sql = await loadSqlJs();
  const db = new sql.Database();
  migrate(db);
  db.exec('BEGIN');
  const keepMs = [2 * DAY, 90 * DAY, 5 * 365 * DAY];
  const insertTarget = db.prepare('INSERT INTO targets (tid, id, url, name, first_seen_at) VALUES (?, ?, ?, ?, ?)');
  const insertRaw = db.prepare('INSERT INTO checks VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)');
  const insertRollups = ROLLUP_LEVELS.map((level) =>
    db.prepare(`INSERT INTO ${level.table} VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)`),
  );
  let rows = 0;
  let sequence = 0;
  for (let index = 0; index < targets; index++) {
    const tid = index + 1;
    insertTarget.run([tid, `t${index}`, `https://service-${index}.example/health`, `Service ${index}`, now - 30 * DAY]);
    const buckets = ROLLUP_LEVELS.map(() => new Map<number, Bucket>());
    for (const check of minuteChecks(index, now - 30 * DAY, now)) {
      if (check.at >= now - 7 * DAY) {
        insertRaw.run([
          ++sequence,
          tid,
          check.at,
          check.status,
          check.status === 2 ? null : 200,
          check.totalUs,
          ...check.phasesUs,
          check.anomalyE4,
        ]);
        rows++;
      }
      ROLLUP_LEVELS.forEach((level, i) => {
        if (check.at < now - keepMs[i]!) return;
        const key = Math.floor(check.at / level.widthMs);
        let bucket = buckets[i]!.get(key);
        if (!bucket) buckets[i]!.set(key, (bucket = new Bucket()));
        bucket.add(check);
      });
    }
    buckets.forEach((byKey, i) => {
      for (const [key, b] of byKey) {
        const answered = b.up > 0;
        insertRollups[i]!.run([
          tid,
          key,
          b.count,
          b.up,
          b.down,
          answered ? b.min : null,
          answered ? b.max : null,
          b.sum,
          ...b.phases,
          b.anomaly,
          answered ? b.histogram.encode() : null,
        ]);
        rows++;
      }
    });
  }
  for (const statement of [insertTarget, insertRaw, ...insertRollups]) statement.free();
  db.run("INSERT INTO meta (key, value) VALUES ('last_seq', ?)", [sequence]);
  db.exec('COMMIT');
  writeFileSync(join(directory, SNAPSHOT_FILE), await encodeSnapshot(db.export()));
  db.close();
  return rows;
}

/** The monitor as the dashboard source sees it: configured targets, their last check, the store. */
function monitorOver(store: HistoryFollower, targets: number, now: number): MonitorService {
  const snapshots: TargetSnapshot[] = Array.from({ length: targets }, (_, index) => {
    const [countryCode, country, lat, lon] = PLACES[index % PLACES.length]!;
    const local = index >= targets - 2;
    const location: GeoLocation = local
      ? { country: null, countryCode: null, city: null, isp: null, asn: null, lat: null, lon: null, local: true }
      : { country, countryCode, city: null, isp: null, asn: 64_500 + index, lat, lon, local: false };
    const url = `https://service-${index}.example/health`;
    const lastRecord: CheckRecord = {
      targetId: `t${index}`,
      target: url,
      startedAt: now - MINUTE,
      status: 'UP',
      reason: null,
      message: '200 OK',
      statusCode: 200,
      totalMs: 50,
      phases: { dns: 2, connect: 8, tls: 12, firstByte: 24, transfer: 4 },
      tls: null,
      addresses: [local ? `192.168.1.${index}` : `192.0.2.${index}`],
      anomalyScore: 0.1,
      location,
    };
    return {
      configured: { target: { id: `t${index}`, name: `Service ${index}`, url, kind: 'http' } },
      status: 'UP',
      consecutiveFailures: 0,
      lastRecord,
      statusSince: now - DAY,
    } as unknown as TargetSnapshot;
  });
  const never = (): { dispose(): void } => ({ dispose: () => undefined });
  return {
    history: store,
    anomalyThreshold: 0.5,
    snapshots: () => snapshots,
    snapshot: (id: string) => snapshots.find((s) => s.configured.target.id === id),
    onDidRecordCheck: never,
    onDidChangeTarget: never,
    onDidChangeTargets: never,
    onDidChangeRole: never,
  } as unknown as MonitorService;
}

// ---- one opening of the dashboard -------------------------------------------------------------

/** Runs in the page: hands the host's message to the webview as VS Code does, with postMessage. */
const deliver = (json: string): void =>
  (globalThis as unknown as { postMessage(message: unknown, origin: string): void }).postMessage(JSON.parse(json), '*');

interface OpenFigures {
  /** From asking the page to load to the response-time chart drawn with the history. */
  totalMs: number;
  /** Loading the page and the bundle until the dashboard's views are built (empty). */
  bootMs: number;
  /** From the views built to the webview's series request reaching the host. */
  handshakeMs: number;
  /** The host answering requestSeries: the store's series queries plus building the message. */
  hostQueryMs: number;
  /** JSON size of the series message. */
  messageBytes: number;
  /** From the host posting the series to the webview's message event (serialise, transfer, parse). */
  transferMs: number;
  /** The webview's protocol guard over every value of the message. */
  checkMs: number;
  /** Waiting for the next animation frame (redraws are coalesced per frame). */
  frameMs: number;
  /** Chart.js laying out and drawing the response-time chart. */
  responseChartMs: number;
  /** The phase chart and the uptime timeline, drawn in the next frame. */
  otherViewsMs: number;
  /** From asking the page to load to every view drawn but the map's countries. */
  allViewsMs: number;
  points: number;
}

type Figure = Exclude<keyof OpenFigures, 'points' | 'messageBytes'>;

async function openDashboard(browser: Browser, origin: string, source: MonitorDashboardSource, range: RangeName): Promise<OpenFigures> {
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  const epochNow = (): number => performance.timeOrigin + performance.now();
  let seriesRequestedAt = 0;
  let seriesPostedAt = 0;
  let messageBytes = 0;
  const session = new DashboardSession(source, {
    post: (message: HostToWebviewMessage) => {
      // JSON across, as between VS Code's extension host and the webview.
      const json = JSON.stringify(message);
      if (message.type === 'series' && seriesPostedAt === 0) {
        seriesPostedAt = epochNow();
        messageBytes = Buffer.byteLength(json);
      }
      void page.evaluate(deliver, json).catch(() => undefined);
    },
    saveReport: async () => false,
    log: () => undefined,
  });
  try {
    await page.exposeBinding('__nmToHost', (_source, message: unknown) => {
      const type = (message as { type?: string }).type;
      // The first series request rides on ready, or comes after init from an older webview.
      if (seriesRequestedAt === 0 && (type === 'requestSeries' || (type === 'ready' && (message as { series?: unknown }).series)))
        seriesRequestedAt = epochNow();
      void session.receive(message);
    });
    await page.addInitScript(`
      window.acquireVsCodeApi = () => ({
        postMessage: (message) => window.__nmToHost(message),
        getState: () => (${JSON.stringify({ range })}),
        setState: () => undefined,
      });
    `);
    const openedAt = epochNow();
    await page.goto(`${origin}/dashboard.html`);
    let marks: Record<string, number> = {};
    for (let attempt = 0; attempt < 300 && marks['nm-all-views'] === undefined; attempt++) {
      await page.waitForTimeout(20);
      marks = (await page.evaluate(
        `Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, performance.timeOrigin + m.startTime]))`,
      )) as Record<string, number>;
    }
    if (marks['nm-all-views'] === undefined)
      throw new Error(`The dashboard did not draw all its views within 6 s. Page errors: ${problems.join('; ') || 'none'}`);
    const points = Number(await page.getAttribute('#response-chart', 'data-points'));
    if (problems.length > 0) throw new Error(`The dashboard reported errors: ${problems.join('; ')}`);
    const mark = (name: string): number => marks[name] ?? Number.NaN;
    return {
      totalMs: mark('nm-first-chart') - openedAt,
      bootMs: mark('nm-app-built') - openedAt,
      handshakeMs: seriesRequestedAt - mark('nm-app-built'),
      hostQueryMs: seriesPostedAt - seriesRequestedAt,
      messageBytes,
      transferMs: mark('nm-series-arrived') - seriesPostedAt,
      checkMs: mark('nm-series-received') - mark('nm-series-arrived'),
      frameMs: mark('nm-draw-start') - mark('nm-series-received'),
      responseChartMs: mark('nm-first-chart') - mark('nm-draw-start'),
      otherViewsMs: mark('nm-all-views') - mark('nm-first-chart'),
      allViewsMs: mark('nm-all-views') - openedAt,
      points,
    };
  } finally {
    session.dispose();
    await page.close();
  }
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function summarise(runs: readonly OpenFigures[]): OpenFigures {
  const summary = { ...runs[0]! };
  for (const key of Object.keys(summary) as (keyof OpenFigures)[]) summary[key] = median(runs.map((run) => run[key]));
  return summary;
}

const STEPS: [Figure, string][] = [
  ['bootMs', 'boot'],
  ['handshakeMs', 'handshake'],
  ['hostQueryMs', 'host query'],
  ['transferMs', 'transfer'],
  ['checkMs', 'check'],
  ['frameMs', 'next frame'],
  ['responseChartMs', 'response chart'],
  ['otherViewsMs', 'then phases + timeline'],
];

function report(label: string, runs: readonly OpenFigures[], baseline?: OpenFigures): OpenFigures {
  const figures = summarise(runs);
  const ratio = baseline
    ? ` (${(figures.totalMs / baseline.totalMs).toFixed(2)}x the empty dashboard; fastest ${Math.min(...runs.map((run) => run.totalMs)).toFixed(0)}, slowest ${Math.max(...runs.map((run) => run.totalMs)).toFixed(0)})`
    : '';
  console.log(`  ${label}: open to first chart ${figures.totalMs.toFixed(0)} ms${ratio}; every view ${figures.allViewsMs.toFixed(0)} ms`);
  console.log(`    ${STEPS.map(([key, name]) => `${name} ${figures[key].toFixed(1)}`).join(' | ')} ms`);
  if (figures.points > 0)
    console.log(
      `    series message ${(figures.messageBytes / 1024).toFixed(0)} KiB for ${figures.points} points; goal < ${GOAL_MS} ms ${figures.totalMs < GOAL_MS ? 'met' : 'MISSED'}`,
    );
  return figures;
}

// ---- main -------------------------------------------------------------------------------------

async function serveDashboard(buildDir: string): Promise<{ server: Server; origin: string }> {
  let origin = '';
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    if (path === '/dashboard.html') {
      const html = renderDashboardHtml({
        cspSource: origin,
        scriptUri: `${origin}/dashboard.js`,
        styleUri: `${origin}/dashboard.css`,
      }).replace('</head>', `<link rel="stylesheet" href="${origin}/theme.css">\n</head>`);
      response.writeHead(200, { 'content-type': 'text/html' }).end(html);
    } else if (path === '/theme.css') {
      response.writeHead(200, { 'content-type': 'text/css' }).end(DARK_THEME);
    } else if (path === '/dashboard.js' || path === '/dashboard.css') {
      response
        .writeHead(200, { 'content-type': path.endsWith('.js') ? 'text/javascript' : 'text/css' })
        .end(readFileSync(join(buildDir, path)));
    } else if (path === '/favicon.ico') {
      response.writeHead(204).end();
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin };
}

void (async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'nm-bench-dashboard-'));
  const buildDir = join(scratch, 'webview');
  const fullDir = join(scratch, 'full');
  const emptyDir = join(scratch, 'empty');
  let browser: Browser | undefined;
  let server: Server | undefined;
  const stores: HistoryFollower[] = [];
  try {
    // The bundle as it ships: minified, like `npm run package`.
    await esbuild.build({
      entryPoints: { dashboard: join(ROOT, 'webview-ui', 'src', 'main.ts') },
      outdir: buildDir,
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      loader: { '.css': 'css' },
      logLevel: 'silent',
    });
    const bundleBytes = readFileSync(join(buildDir, 'dashboard.js')).length;
    const now = Date.now();
    const seedStart = performance.now();
    for (const dir of [fullDir, emptyDir]) mkdirSync(dir);
    const rows = await seedHistory(fullDir, now, TARGETS);
    await seedHistory(emptyDir, now, 0);
    console.log(
      `history: ${TARGETS} targets x 30 days every minute, ${rows.toLocaleString('en')} rows kept (seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s); webview bundle ${(bundleBytes / 1024).toFixed(0)} KiB`,
    );
    const full = await HistoryFollower.open({ directory: fullDir });
    const empty = await HistoryFollower.open({ directory: emptyDir });
    stores.push(full, empty);
    const fullSource = new MonitorDashboardSource(monitorOver(full, TARGETS, now));
    const emptySource = new MonitorDashboardSource(monitorOver(empty, 0, now));

    const served = await serveDashboard(buildDir);
    server = served.server;
    const origin = served.origin;
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
    // One warm-up opening: the first page of a fresh browser pays for its own start.
    await openDashboard(browser, origin, emptySource, '24h');

    const results: Record<string, OpenFigures[]> = { empty: [], '24h': [], '30d': [] };
    for (let run = 0; run < RUNS; run++) {
      results['empty']!.push(await openDashboard(browser, origin, emptySource, '24h'));
      results['24h']!.push(await openDashboard(browser, origin, fullSource, '24h'));
      results['30d']!.push(await openDashboard(browser, origin, fullSource, '30d'));
    }
    console.log(`median of ${RUNS} openings each (steps are medians too, so they need not add up), headless Chromium, 1280 x 900:`);
    const baseline = report('baseline, empty history', results['empty']!);
    for (const range of ['24h', '30d'] as const) report(`${TARGETS} targets, ${range} range`, results[range]!, baseline);
  } finally {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const store of stores) await store.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
})();
