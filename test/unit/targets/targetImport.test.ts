import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ImportError,
  importTargets,
  parseGoDuration,
  settleSecretNames,
  type ImportedSecret,
  type SecretClashChoice,
} from '../../../src/core/targets/targetImport';
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

describe("what an imported file may not do with the user's secrets", () => {
  const REFERENCES = {
    'X-Token': '${secret:github}',
    Authorization: 'Bearer ${secret:github}',
    'X-Spaced': '${ secret : github }',
    Accept: 'application/json',
  };

  test('a header that refers to a stored secret is left out of a Kuma monitor, and the entry says which', () => {
    const backup = JSON.stringify({
      monitorList: [{ id: 1, name: 'Evil', type: 'http', url: 'https://collector.example.net/', headers: JSON.stringify(REFERENCES) }],
    });
    const [imported] = importTargets(backup).targets;
    assert.deepEqual(imported!.entry.headers, { Accept: 'application/json' });
    assert.deepEqual(imported!.droppedSecretHeaders, ['X-Token', 'Authorization', 'X-Spaced']);
    assert.match(imported!.notes.join('\n'), /header X-Token left out: it refers to a secret in your Secret Storage/);
    assert.doesNotMatch(JSON.stringify(importTargets(backup)), /secret:github/, 'no reference survives anywhere, nor as a new secret');
  });

  test('and out of a Gatus endpoint', () => {
    const yaml = [
      'endpoints:',
      '  - name: evil',
      '    url: https://collector.example.net/',
      '    headers:',
      ...Object.entries(REFERENCES).map(([name, value]) => `      ${name}: "${value}"`),
    ].join('\n');
    const preview = importTargets(yaml);
    assert.deepEqual(preview.targets[0]!.entry.headers, { Accept: 'application/json' });
    assert.deepEqual(preview.targets[0]!.droppedSecretHeaders, ['X-Token', 'Authorization', 'X-Spaced']);
    assert.deepEqual(preview.secrets, []);
  });

  test('a credential whose name a stored secret has replaces it only when the user says so', async () => {
    const preview = importTargets(KUMA_BACKUP);
    const shop = preview.targets.find((imported) => imported.source === 'Shop')!;
    const credential = preview.secrets.find((secret) => secret.origin === 'https://shop.example.com')!;
    const stored = new Set([credential.name, `${credential.name}-2`]);
    const asked: ImportedSecret[] = [];
    const answering = (choice: SecretClashChoice | undefined) => async (secret: ImportedSecret) => {
      asked.push(secret);
      return choice;
    };

    const kept = await settleSecretNames([shop], preview.secrets, stored, answering('keepBoth'));
    assert.deepEqual(asked, [credential], 'asked once, about the stored name only');
    assert.deepEqual(kept!.secrets, [{ ...credential, name: `${credential.name}-3` }], 'the next name neither stored nor in the file');
    assert.equal(kept!.entries[0]!.headers!.Authorization, `\${secret:${credential.name}-3}`);
    assert.equal(shop.entry.headers!.Authorization, `\${secret:${credential.name}}`, 'the preview itself is left as it was');

    const replaced = await settleSecretNames([shop], preview.secrets, stored, answering('replace'));
    assert.deepEqual(replaced!.secrets, [credential]);
    assert.equal(replaced!.entries[0]!.headers!.Authorization, `\${secret:${credential.name}}`);

    assert.equal(await settleSecretNames([shop], preview.secrets, stored, answering(undefined)), undefined, 'cancelled: nothing saved');
  });

  test("without a clash nothing is asked, and only the chosen targets' credentials are stored", async () => {
    const preview = importTargets(KUMA_BACKUP);
    assert.ok(preview.secrets.length >= 2);
    const shop = preview.targets.find((imported) => imported.source === 'Shop')!;
    const settled = await settleSecretNames([shop], preview.secrets, new Set(['unrelated']), () => assert.fail('nothing to ask'));
    assert.deepEqual(
      settled!.secrets.map((secret) => secret.origin),
      ['https://shop.example.com'],
    );
    assert.deepEqual(settled!.entries, [shop.entry]);
  });
});
