/**
 * A real Prometheus (Debian's package; scripts/installPrometheus.sh, run by CI) scrapes /metrics
 * with the bearer token every second, and its query API must return what the monitor saw of a
 * loopback site the test controls, labels intact, then follow the site going down. A second job
 * without the token must be refused. Skipped only when no prometheus binary is installed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiServer } from '../../../src/core/api/apiServer';
import { createApiToken } from '../../../src/core/api/requestGuards';
import { skipForMissing } from '../../support/testDependencies';
import { closedPort, ControlledSite, type MonitoringStack, startMonitoringStack, targetFrom, tempDirectory } from './apiTestSupport';

const installed = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
const skip = installed.error
  ? skipForMissing(
      'prometheus',
      `the prometheus binary is not installed (${(installed.error as NodeJS.ErrnoException).code}); run scripts/installPrometheus.sh, as CI does`,
    )
  : false;

const QUOTED_NAME = 'Team "edge" \\ gateway\nEU';

interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(prometheusPort: number, expression: string): Promise<QueryResult[]> {
  const response = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(expression)}`, {
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json()) as { status: string; data?: { result: QueryResult[] }; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${expression}: ${body.error}`);
  return body.data!.result;
}

/** Polls the query API until `accept` holds; bounded in time and attempts. */
async function waitForQuery(
  prometheusPort: number,
  expression: string,
  accept: (results: QueryResult[]) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<QueryResult[]> {
  const deadline = Date.now() + timeoutMs;
  let last: QueryResult[] | string = 'no answer yet';
  for (let attempt = 0; attempt < 300 && Date.now() < deadline; attempt++) {
    try {
      const results = await query(prometheusPort, expression);
      if (accept(results)) return results;
      last = results;
    } catch (error) {
      // Prometheus is still starting: the port refuses or the query API is not ready.
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Prometheus never showed ${what} within ${timeoutMs} ms; last answer: ${JSON.stringify(last)}`);
}

describe('Prometheus scrapes the API', { skip }, () => {
  const directory = tempDirectory();
  const token = createApiToken();
  let site: ControlledSite;
  let stack: MonitoringStack;
  let server: ApiServer;
  let prometheus: ChildProcess | undefined;
  let prometheusPort: number;
  let prometheusLog = '';

  before(async () => {
    site = await ControlledSite.start();
    const targets = [
      targetFrom({ url: site.url('/shop'), id: 'shop', name: QUOTED_NAME }),
      targetFrom({ url: site.url('/other'), id: 'other' }),
    ];
    stack = await startMonitoringStack(join(directory.path, 'history'), targets);
    await stack.checkAll();
    server = new ApiServer({ port: 0, token, allowUnauthenticatedMetrics: false, source: stack.source });
    const { port } = await server.start();

    const tokenFile = join(directory.path, 'token');
    writeFileSync(tokenFile, token, { mode: 0o600 });
    const config = join(directory.path, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: networkmonitor',
        '    authorization:',
        '      type: Bearer',
        `      credentials_file: ${tokenFile}`,
        '    static_configs:',
        `      - targets: ['127.0.0.1:${port}']`,
        '  - job_name: without-token',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${port}']`,
        '',
      ].join('\n'),
    );
    prometheusPort = await closedPort();
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(directory.path, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keepLog = (chunk: Buffer): void => {
      prometheusLog = (prometheusLog + chunk.toString('utf8')).slice(-4_000);
    };
    prometheus.stdout!.on('data', keepLog);
    prometheus.stderr!.on('data', keepLog);
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      const timer = setTimeout(() => prometheus!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await server?.dispose();
    await stack?.dispose();
    await site?.close();
    directory.remove();
  });

  it('scrapes probe_success for the site with its labels, and refuses a scrape without the token', async () => {
    try {
      const results = await waitForQuery(prometheusPort, 'probe_success{id="shop"}', (r) => r.length === 1, 'probe_success for the shop');
      const [sample] = results;
      assert.equal(sample!.value[1], '1');
      assert.equal(sample!.metric.target, site.url('/shop'));
      assert.equal(sample!.metric.name, QUOTED_NAME, 'quote, backslash and newline survive the exposition format');
      assert.equal(sample!.metric.job, 'networkmonitor');

      const phases = await waitForQuery(
        prometheusPort,
        'probe_http_duration_seconds{id="shop"}',
        (r) => r.length === 5,
        'five HTTP phases',
      );
      assert.deepEqual(phases.map((r) => r.metric.phase).sort(), ['connect', 'processing', 'resolve', 'tls', 'transfer']);
      await waitForQuery(prometheusPort, 'probe_http_status_code{id="shop"}', (r) => r[0]?.value[1] === '200', 'status code 200');

      const refused = await waitForQuery(prometheusPort, 'up{job="without-token"}', (r) => r.length === 1, 'the tokenless job');
      assert.equal(refused[0]!.value[1], '0', 'a scrape without the token fails');
      assert.deepEqual(await query(prometheusPort, 'probe_success{job="without-token"}'), []);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nPrometheus log:\n${prometheusLog}`);
    }
  });

  it('follows the site going down and coming back', async () => {
    site.status = 503;
    await stack.checkAll();
    await waitForQuery(prometheusPort, 'probe_success{id="shop"}', (r) => r[0]?.value[1] === '0', 'probe_success 0 after the site failed');
    await waitForQuery(prometheusPort, 'probe_http_status_code{id="shop"}', (r) => r[0]?.value[1] === '503', 'status code 503');
    site.status = 200;
    await stack.checkAll();
    await waitForQuery(prometheusPort, 'probe_success{id="shop"}', (r) => r[0]?.value[1] === '1', 'probe_success 1 after recovery');
    const uptime = await waitForQuery(
      prometheusPort,
      'networkmonitor_uptime_ratio{id="other",window="1h"}',
      (r) => r.length === 1,
      'the uptime ratio',
    );
    assert.equal(uptime[0]!.value[1], '1');
  });
});
