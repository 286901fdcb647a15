/**
 * `network-monitor import` as a user moving from Gatus runs it: the printed list is a --config the
 * CLI checks against a real local site, credentials stay out of it, and what cannot be imported is
 * said with the reason.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { jsonLines, runCli } from '../../support/cli';
import { startHttpServer, type RunningServer } from '../../support/servers';

let site: RunningServer;
const apiKeys: (string | undefined)[] = [];
const folder = mkdtempSync(join(tmpdir(), 'nm-import-cli-'));

before(async () => {
  site = await startHttpServer((request, response) => {
    apiKeys.push(request.headers['x-api-key'] as string | undefined);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ status: 'UP' }));
  });
});
after(async () => {
  await site.close();
  rmSync(folder, { recursive: true, force: true });
});

test('import turns a Gatus configuration into a --config that checks, with its credential left out', async () => {
  const gatus = join(folder, 'config.yaml');
  writeFileSync(
    gatus,
    `
endpoints:
  - name: api
    url: "${site.origin}/health"
    interval: 30s
    headers:
      X-Api-Key: "gatus-key"
    conditions:
      - "[STATUS] == 200"
      - "[BODY].status == UP"
  - name: gateway
    url: "icmp://192.0.2.1"
`,
  );
  const imported = await runCli(['import', gatus]);
  assert.equal(imported.code, 0, imported.stderr);
  const entries = JSON.parse(imported.stdout) as Record<string, unknown>[];
  assert.deepEqual(entries, [
    {
      url: `${site.origin}/health`,
      name: 'api',
      headers: { 'X-Api-Key': '${secret:api-X-Api-Key}' },
      expectStatus: '200',
      jsonPath: '$.status',
      equals: 'UP',
      interval: 30,
    },
  ]);
  assert.ok(!imported.stdout.includes('gatus-key') && !imported.stderr.includes('gatus-key'), 'the credential is never printed');
  assert.match(imported.stderr, /gateway: not imported, ICMP ping/);
  assert.match(imported.stderr, /api-X-Api-Key \(for http:\/\/127\.0\.0\.1:\d+\)/);

  const config = join(folder, 'targets.json');
  writeFileSync(config, imported.stdout);
  const checked = await runCli(['check', '--config', config, '--header', 'X-Api-Key: gatus-key']);
  assert.equal(checked.code, 0, checked.stdout + checked.stderr);
  assert.equal(jsonLines(checked.stdout)[0]!.status, 'UP');
  assert.equal(apiKeys.at(-1), 'gatus-key');
});

test('import says clearly what is wrong with a file it cannot read', async () => {
  const wrong = join(folder, 'other.json');
  writeFileSync(wrong, '{"monitors": []}');
  const run = await runCli(['import', wrong]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /not an Uptime Kuma backup: it has no "monitorList"/);
  const missing = await runCli(['import', join(folder, 'nothing.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file/);
});
