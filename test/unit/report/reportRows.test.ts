/**
 * The report is built in one place: the CLI's watch report, the dashboard (its table and its
 * export) and the API's `/api/report` take the same rows from `buildReportRows` for a real store.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildReport } from '../../../src/cli/report';
import { createApiDataSource } from '../../../src/core/api/apiDataSource';
import { ApiRouter } from '../../../src/core/api/apiRoutes';
import { buildReportRows } from '../../../src/core/report/reportRows';
import { readerOf } from '../../../src/core/store/historyStore';
import { SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { RANGE_MS } from '../../../src/shared/dashboardProtocol';
import { reportToCsv } from '../../../src/shared/reportExport';
import { MonitorDashboardSource } from '../../../src/vscode/monitor/monitorDashboardSource';
import type { MonitorService } from '../../../src/vscode/monitor/monitorService';
import { makeTarget } from '../scheduler/fixtures';
import { makeCheck, tempDirectory } from '../store/storeTestSupport';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const THRESHOLD = 0.8;

test('the CLI, the dashboard and the API report the same rows, built by the one report module', async (t) => {
  const directory = tempDirectory(t);
  const store = await SqlJsHistoryStore.open({ directory, now: () => NOW });
  t.after(() => store.dispose());
  const targets = [makeTarget('a'), makeTarget('b'), makeTarget('c')];
  const berlin = { country: 'Germany', countryCode: 'DE', city: 'Berlin', isp: 'Example', asn: null, lat: null, lon: null, local: false };
  for (let i = 0; i < 20; i++) {
    const startedAt = NOW - 30 * 60_000 + i * 60_000;
    store.append(makeCheck({ targetId: 'a', target: targets[0]!.url, startedAt, totalMs: 10 + i, anomalyScore: i % 7 === 0 ? 0.95 : 0.1 }));
    store.append(
      makeCheck({
        targetId: 'b',
        target: targets[1]!.url,
        startedAt,
        totalMs: 100 + 3 * i,
        location: berlin,
        ...(i >= 15 ? { status: 'DOWN' as const, statusCode: null, reason: 'TIMEOUT', totalMs: 0 } : {}),
      }),
    );
  }
  await store.flush();
  // 'c' has no checks: every figure is empty.

  const since = NOW - RANGE_MS['1h'];
  const until = NOW + 1;
  const cli = await buildReport(readerOf(store), targets, since, until, THRESHOLD);

  const monitor = {
    history: readerOf(store),
    anomalyThreshold: THRESHOLD,
    snapshots: () =>
      targets.map((target) => {
        const lastRecord = store.latest(target.id);
        return { configured: { target }, status: lastRecord?.status ?? 'UNKNOWN', lastRecord, consecutiveFailures: 0, statusSince: null };
      }),
  } as unknown as MonitorService;
  const dashboard = await new MonitorDashboardSource(monitor).report('1h', NOW);

  const router = new ApiRouter(
    createApiDataSource({
      store,
      getTargets: () => targets,
      isWriter: () => true,
      anomalyThreshold: () => THRESHOLD,
      now: () => until - 1,
    }),
  );
  const route = router.match('GET', '/api/report');
  const params = new URLSearchParams({ from: new Date(since).toISOString(), to: new Date(until).toISOString(), format: 'csv' });
  const api = await route!.handler!({ params, captures: route!.captures });

  const subjects = targets.map((target) => {
    const latest = store.latest(target.id);
    return {
      target,
      status: latest?.status ?? ('UNKNOWN' as const),
      location: latest?.location,
      certDaysLeft: latest?.tls?.daysLeft ?? null,
    };
  });
  const expected = await buildReportRows(readerOf(store), subjects, { from: since, to: until }, { anomalyThreshold: THRESHOLD });

  assert.deepEqual(cli, expected);
  assert.deepEqual(dashboard, expected);
  assert.equal(api.status, 200);
  assert.equal(api.body, reportToCsv(expected));
  // The figures are the store's, not placeholders.
  const [a, b, c] = expected;
  assert.equal(a!.anomalies, 3);
  assert.equal(a!.availability, 1);
  assert.equal(b!.availability, 0.75);
  assert.equal(b!.location, 'Berlin, Germany');
  assert.equal(b!.lastStatus, 'DOWN');
  assert.deepEqual([c!.availability, c!.avgMs, c!.anomalies, c!.lastStatus], [null, null, 0, 'UNKNOWN']);
});

test('no other module builds report rows of its own', () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) files.push(path);
    }
  };
  walk('src');
  walk('webview-ui/src');
  // A report row is the only object that sets both `p95Ms` and `certDaysLeft` (types aside).
  const builders = files.filter((path) => {
    const text = readFileSync(path, 'utf8');
    return /\bp95Ms: (?!number)/.test(text) && /\bcertDaysLeft(: (?!number)|,)/.test(text);
  });
  assert.deepEqual(
    builders.map((path) => path.replaceAll('\\', '/')),
    ['src/core/report/reportRows.ts'],
  );
  for (const user of ['src/cli/report.ts', 'src/vscode/monitor/monitorDashboardSource.ts', 'src/core/api/apiRoutes.ts'])
    assert.match(readFileSync(user, 'utf8'), /\bbuildReportRows\b/, `${user} takes its rows from the report module`);
});
