/**
 * A window's targets published for the writer window and resolved there: the same target comes
 * back, secrets are resolved only in the writer and never written into the published entry.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Target } from '../../../src/core/targets/target';
import { collectTargets, type SecretLookup } from '../../../src/vscode/config/targetEntries';
import { publishTargets, resolvePublishedTarget } from '../../../src/vscode/monitor/publishedTargets';

const DEFAULTS = { intervalMs: 7_000, timeoutMs: 1_500, maxBodyBytes: 4096 };
const secrets: SecretLookup = async (name) => (name === 'token' ? { value: 's3cret', origins: ['https://127.0.0.1:8443'] } : undefined);

/** Targets hold matcher functions; compare what they mean. */
function comparable(target: Target): unknown {
  return JSON.parse(
    JSON.stringify(target, (key, value: unknown) =>
      key === 'bodyContains' || key === 'bodyNotContains' ? (value as { source: string } | undefined)?.source : value,
    ),
  );
}

test("every kind of target comes back the same in the writer, with this window's defaults", async () => {
  const entries = [
    'http://127.0.0.1:8080/health',
    { url: 'tcp://127.0.0.1:5432', name: 'Database', interval: 30 },
    { url: 'dns://localhost', id: 'resolver', timeout: 900, paused: true },
    {
      url: 'https://127.0.0.1:8443/',
      headers: { Authorization: 'Bearer ${secret:token}' },
      bodyContains: '/ok|fine/i',
      expectStatus: '200,204',
    },
  ];
  const { targets, problems } = await collectTargets([{ level: 'workspace', entries }], DEFAULTS, secrets);
  assert.deepEqual(problems, []);
  const published = publishTargets(targets);
  assert.ok(!JSON.stringify(published).includes('s3cret'), 'a secret value must never be published');
  assert.equal(
    published[3]?.entry && typeof published[3].entry === 'object' ? published[3].entry.headers?.Authorization : undefined,
    'Bearer ${secret:token}',
  );
  for (const [index, item] of published.entries()) {
    const resolved = await resolvePublishedTarget(JSON.parse(JSON.stringify(item)), secrets);
    assert.ok(resolved.ok, `entry ${index}: ${resolved.ok ? '' : resolved.error}`);
    assert.deepEqual(comparable(resolved.value), comparable(targets[index]!.target));
  }
  assert.equal(targets[0]!.target.intervalMs, 7_000, "the window's default interval travels with the entry");
});

test('a target the writer cannot build is refused with the reason', async () => {
  const { targets } = await collectTargets(
    [{ level: 'workspace', entries: [{ url: 'https://127.0.0.1:8443/other', headers: { 'x-key': '${secret:token}' } }] }],
    DEFAULTS,
    secrets,
  );
  const [published] = publishTargets(targets);
  assert.ok(published);
  const withoutSecret = await resolvePublishedTarget(published, async () => undefined);
  assert.equal(withoutSecret.ok, false);
  assert.match(withoutSecret.ok ? '' : withoutSecret.error, /secret "token", which is not stored yet/);
  assert.doesNotMatch(
    withoutSecret.ok ? '' : withoutSecret.error,
    /networkMonitor\.targets\[0\] in/,
    "the writer's own settings are not where the entry lives",
  );

  const otherId = await resolvePublishedTarget({ ...published, id: 'tampered' }, secrets);
  assert.equal(otherId.ok, false);
  assert.match(otherId.ok ? '' : otherId.error, /resolves to the id ".+" here, not "tampered"/);
});

test('the published pause state wins over the entry, so the writer can merge windows', async () => {
  const { targets } = await collectTargets([{ level: 'user', entries: ['tcp://127.0.0.1:22'] }], DEFAULTS, secrets);
  const [published] = publishTargets(targets);
  assert.ok(published);
  assert.equal(published.paused, false);
  const resolved = await resolvePublishedTarget({ ...published, paused: true }, secrets);
  assert.ok(resolved.ok && resolved.value.paused);
});
