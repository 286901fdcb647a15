import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImportError, importTargets, parseGoDuration } from '../../../src/core/targets/targetImport';
import { resolveTarget } from '../../../src/core/targets/target';

/** A trimmed Uptime Kuma backup, as Settings → Backup → Export writes it (version 1.23). */
const KUMA_BACKUP = JSON.stringify({
  version: '1.23.16',
  notificationList: [],
  monitorList: [
    {
      id: 1,
      name: 'Shop',
      type: 'http',
      url: 'https://shop.example.com/health',
      interval: 60,
      timeout: 48,
      method: 'GET',
      accepted_statuscodes: ['200-299'],
      ignoreTls: false,
      active: true,
      headers: '{"Authorization": "Bearer abc123", "Accept": "application/json"}',
    },
    {
      id: 2,
      name: 'Docs keyword',
      type: 'keyword',
      url: 'http://docs.example.com/',
      interval: 300,
      keyword: 'Welcome',
      invertKeyword: false,
      active: 1,
      accepted_statuscodes: ['200-299', '301'],
    },
    {
      id: 3,
      name: 'API status',
      type: 'json-query',
      url: 'https://api.example.com/status',
      jsonPath: 'status',
      expectedValue: 'ok',
      method: 'POST',
      body: '{}',
      active: false,
      ignoreTls: true,
      basic_auth_user: 'monitor',
      basic_auth_pass: 'pw',
      authMethod: 'basic',
    },
    { id: 4, name: 'Database port', type: 'port', hostname: 'db.internal', port: 5432, interval: 30 },
    { id: 5, name: 'Resolver', type: 'dns', hostname: 'example.com', dns_resolve_server: '1.1.1.1' },
    { id: 6, name: 'Router', type: 'ping', hostname: '192.168.1.1' },
    { id: 7, name: 'Cron job', type: 'push' },
    { id: 8, name: 'Odd', type: 'http', url: 'ftp://example.com/' },
  ],
});

const GATUS_CONFIG = `
endpoints:
  - name: website
    group: core
    url: "https://example.org/health"
    interval: 5m
    headers:
      X-Api-Key: "s3cr3t"
      Accept: text/plain
    client:
      timeout: 2500ms
    conditions:
      - "[STATUS] == 200"
      - "[RESPONSE_TIME] < 300"
      - "[BODY].status == UP"
      - "[CERTIFICATE_EXPIRATION] > 48h"
  - name: cache
    url: "tcp://cache.internal:6379"
    interval: 1m30s
    conditions:
      - "[CONNECTED] == true"
  - name: resolver
    url: "8.8.8.8"
    dns:
      query-name: "example.org"
      query-type: "A"
    conditions:
      - "[DNS_RCODE] == NOERROR"
  - name: gateway
    url: "icmp://10.0.0.1"
  - name: disabled
    enabled: false
    url: "http://old.example.org/"
    conditions:
      - "[STATUS] < 500"
      - "len([BODY]) > 0"
`;

test('an Uptime Kuma backup maps its HTTP, keyword, JSON-query, port and DNS monitors and says why the rest cannot', () => {
  const preview = importTargets(KUMA_BACKUP);
  assert.equal(preview.format, 'uptime-kuma');
  assert.deepEqual(
    preview.targets.map((target) => target.entry),
    [
      {
        url: 'https://shop.example.com/health',
        name: 'Shop',
        headers: { Authorization: '${secret:Shop-Authorization}', Accept: 'application/json' },
        interval: 60,
        timeout: 48_000,
      },
      { url: 'http://docs.example.com/', name: 'Docs keyword', expectStatus: '200-299,301', bodyContains: 'Welcome', interval: 300 },
      {
        url: 'https://api.example.com/status',
        name: 'API status',
        method: 'POST',
        body: '{}',
        tlsVerify: false,
        headers: { Authorization: '${secret:API-status-Authorization}' },
        jsonPath: 'status',
        equals: 'ok',
        paused: true,
      },
      { url: 'tcp://db.internal:5432', name: 'Database port', interval: 30 },
      { url: 'dns://example.com', name: 'Resolver' },
    ],
  );
  assert.deepEqual(preview.secrets, [
    { name: 'Shop-Authorization', value: 'Bearer abc123', origin: 'https://shop.example.com' },
    { name: 'API-status-Authorization', value: `Basic ${Buffer.from('monitor:pw').toString('base64')}`, origin: 'https://api.example.com' },
  ]);
  assert.ok(!JSON.stringify(preview.targets).includes('abc123'), 'no credential is left in an entry');
  assert.deepEqual(
    preview.skipped.map((skipped) => skipped.source),
    ['Router', 'Cron job', 'Odd'],
  );
  assert.match(preview.skipped[0]!.reason, /ICMP ping/);
  assert.match(preview.targets[4]!.notes.join(' '), /system resolver/);
  for (const { entry } of preview.targets) assert.ok(resolveTarget(entry).ok, `${entry.url} is a valid entry`);
});

test('a Gatus configuration maps status, response-time and body conditions, durations, and skips ICMP', () => {
  const preview = importTargets(GATUS_CONFIG);
  assert.equal(preview.format, 'gatus');
  assert.deepEqual(
    preview.targets.map((target) => target.entry),
    [
      {
        url: 'https://example.org/health',
        name: 'website',
        headers: { 'X-Api-Key': '${secret:core-website-X-Api-Key}', Accept: 'text/plain' },
        expectStatus: '200',
        latencyBudgetMs: 300,
        jsonPath: '$.status',
        equals: 'UP',
        interval: 300,
        timeout: 2500,
      },
      { url: 'tcp://cache.internal:6379', name: 'cache', interval: 90 },
      { url: 'dns://example.org', name: 'resolver' },
      { url: 'http://old.example.org/', name: 'disabled', expectStatus: '100-499', paused: true },
    ],
  );
  assert.deepEqual(preview.secrets, [{ name: 'core-website-X-Api-Key', value: 's3cr3t', origin: 'https://example.org' }]);
  assert.deepEqual(preview.skipped, [
    {
      source: 'gateway',
      reason: 'ICMP ping is not something an editor extension can send; add a tcp:// target on a port the host answers on instead',
    },
  ]);
  const notes = preview.targets.flatMap((target) => target.notes).join('\n');
  assert.match(notes, /DEGRADED here, not DOWN/);
  assert.match(notes, /certificate expiry/);
  assert.match(notes, /condition "len\(\[BODY\]\) > 0" has no counterpart/);
  for (const { entry } of preview.targets) assert.ok(resolveTarget(entry).ok, `${entry.url} is a valid entry`);
});

test('files that are neither say so clearly', () => {
  assert.throws(
    () => importTargets('{"monitors": []}'),
    (error: Error) => error instanceof ImportError && /no "monitorList"/.test(error.message),
  );
  assert.throws(() => importTargets('{ not json'), /not JSON/);
  assert.throws(() => importTargets('endpoints: [unclosed'), /not YAML/);
  assert.throws(() => importTargets('services: []'), /no "endpoints" list/);
});

test('Go durations', () => {
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('250ms'), 250);
  assert.equal(parseGoDuration('2h'), 7_200_000);
  assert.equal(parseGoDuration('5 minutes'), undefined);
});
