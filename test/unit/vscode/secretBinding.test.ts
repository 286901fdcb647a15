/**
 * Secrets go only to the origins they were stored for: the rules `collectTargets` applies to
 * `${secret:NAME}` by settings level, and the stored form of a secret.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_TARGET_DEFAULTS } from '../../../src/core/targets/target';
import { entryApprovalKey } from '../../../src/core/targets/workspaceEntryPolicy';
import {
  collectTargets,
  parseOrigin,
  parseStoredSecret,
  serializeStoredSecret,
  type SecretLookup,
  type SettingsLevel,
} from '../../../src/vscode/config/targetEntries';
import { publishTargets, resolvePublishedTarget } from '../../../src/vscode/monitor/publishedTargets';

const entry = { url: 'https://api.test/health', headers: { Authorization: 'Bearer ${secret:token}', 'X-Plain': 'p' } };

function lookupOf(origins: string[]): SecretLookup {
  return async (name) => (name === 'token' ? { value: 'v4lue', origins } : undefined);
}

async function resolve(level: SettingsLevel, origins: string[]) {
  return collectTargets([{ level, entries: [entry] }], DEFAULT_TARGET_DEFAULTS, lookupOf(origins));
}

describe('secret binding', () => {
  test('an entry at any level may use a secret bound to its origin; the probe learns which headers came from it', async () => {
    for (const level of ['user', 'workspace', 'folder'] as const) {
      const { targets, problems } = await resolve(level, ['https://api.test']);
      assert.deepEqual(problems, [], level);
      assert.equal(targets[0]!.target.http?.headers.authorization, 'Bearer v4lue');
      assert.deepEqual(targets[0]!.target.http?.secretHeaderNames, ['authorization']);
    }
  });

  test('an entry whose origin the secret is not bound to is refused, naming both origins, and no target is built', async () => {
    for (const url of ['https://attacker.test/', 'http://api.test/', 'https://api.test:8443/']) {
      const { targets, problems } = await collectTargets(
        [{ level: 'workspace', entries: [{ ...entry, url }] }],
        DEFAULT_TARGET_DEFAULTS,
        lookupOf(['https://api.test']),
      );
      assert.equal(targets.length, 0, url);
      assert.match(
        problems[0]!.message,
        /refused: the secret "token" is stored for https:\/\/api\.test, not for .*No request is sent/,
        url,
      );
      assert.ok(!problems[0]!.message.includes('v4lue'));
    }
  });

  test('a secret stored before origins were asked for serves user settings only', async () => {
    assert.equal((await resolve('user', [])).targets.length, 1);
    const workspace = await resolve('workspace', []);
    assert.equal(workspace.targets.length, 0);
    assert.match(workspace.problems[0]!.message, /not bound to any origin, so only your user settings may use it/);
  });

  test("the writer applies the publishing window's level, and the stricter one when none is given", async () => {
    const { targets } = await resolve('workspace', ['https://api.test']);
    const [published] = publishTargets(targets);
    assert.equal(published!.level, 'workspace');
    const { level: _dropped, ...withoutLevel } = published!;
    const unbound = lookupOf([]);
    assert.equal((await resolvePublishedTarget(withoutLevel, unbound)).ok, false, 'no level: workspace rules');
    assert.equal((await resolvePublishedTarget({ ...published!, level: 'user' }, unbound)).ok, true);
    const built = await resolvePublishedTarget(withoutLevel, lookupOf(['https://api.test']));
    assert.ok(built.ok && built.value.blockLinkLocal);
  });

  test("another window's workspace entry that would POST a secret is checked only once the user approved it", async () => {
    const post = { ...entry, method: 'POST' };
    const [published] = publishTargets((await resolve('user', ['https://api.test'])).targets).map((item) => ({
      ...item,
      entry: post,
      level: 'workspace' as const,
    }));
    const waiting = await resolvePublishedTarget(published!, lookupOf(['https://api.test']));
    assert.ok(!waiting.ok && /waiting for your approval/.test(waiting.error));
    const approved = await resolvePublishedTarget(published!, lookupOf(['https://api.test']), (key) => key === entryApprovalKey(post));
    assert.ok(approved.ok && approved.value.http?.method === 'POST');
  });
});

describe('stored secrets', () => {
  test('round-trip with their origins; a bare string is an unbound secret; junk is none', () => {
    const stored = { value: 'x"y', origins: ['https://a.test', 'http://127.0.0.1:8080'] };
    assert.deepEqual(parseStoredSecret(serializeStoredSecret(stored)), stored);
    assert.deepEqual(parseStoredSecret('plain'), { value: 'plain', origins: [] });
    assert.equal(parseStoredSecret(undefined), undefined);
    assert.equal(parseStoredSecret('{"value":3}'), undefined);
    assert.deepEqual(parseStoredSecret('{"value":"v","origins":["https://a.test",7]}'), { value: 'v', origins: ['https://a.test'] });
  });

  test('origins are read as the Add Target box reads URLs', () => {
    assert.deepEqual(parseOrigin('api.test/path'), { ok: true, origin: 'https://api.test' });
    assert.deepEqual(parseOrigin('http://127.0.0.1:8080/x'), { ok: true, origin: 'http://127.0.0.1:8080' });
    assert.equal(parseOrigin('tcp://db:5432').ok, false);
  });
});
