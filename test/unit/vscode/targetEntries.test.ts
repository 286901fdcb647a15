import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_TARGET_DEFAULTS, targetIdFor } from '../../../src/core/targets/target';
import { secretNamesIn } from '../../../src/core/targets/target';
import { collectTargets, compactEntry, describeOrigin, type EntryList, type SecretLookup } from '../../../src/vscode/config/targetEntries';

const noSecrets: SecretLookup = async () => undefined;

describe('collectTargets', () => {
  test('user entries come first, then workspace entries, each in the order written', async () => {
    const lists: EntryList[] = [
      { level: 'workspace', entries: ['http://127.0.0.1:8080/', { url: 'tcp://127.0.0.1:5432', name: 'db' }] },
      { level: 'user', entries: ['https://example.test/'] },
    ];
    const { targets, problems } = await collectTargets(lists, DEFAULT_TARGET_DEFAULTS, noSecrets);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      targets.map((t) => [t.origin.level, t.origin.index, t.target.name]),
      [
        ['user', 0, 'https://example.test/'],
        ['workspace', 0, 'http://127.0.0.1:8080/'],
        ['workspace', 1, 'db'],
      ],
    );
  });

  test('the same target in user and workspace settings is one target, and the workspace entry wins', async () => {
    const lists: EntryList[] = [
      { level: 'user', entries: ['http://127.0.0.1:8080/', 'dns://example.test'] },
      { level: 'workspace', entries: [{ url: 'http://127.0.0.1:8080/', name: 'team name', interval: 5 }] },
    ];
    const { targets } = await collectTargets(lists, DEFAULT_TARGET_DEFAULTS, noSecrets);
    assert.equal(targets.length, 2);
    assert.equal(targets[0]!.target.id, targetIdFor('http://127.0.0.1:8080/'));
    assert.equal(targets[0]!.target.name, 'team name');
    assert.equal(targets[0]!.target.intervalMs, 5000);
    assert.equal(targets[0]!.origin.level, 'workspace');
    assert.equal(targets[1]!.target.url, 'dns://example.test');
  });

  test('a broken entry is reported with its position and skipped; the others are kept', async () => {
    const lists: EntryList[] = [
      {
        level: 'user',
        entries: [
          'http://127.0.0.1:1/',
          'ftp://files.test/',
          42,
          { name: 'no url' },
          { url: 'http://127.0.0.1:2/', interval: 0 },
          'http://127.0.0.1:3/',
        ],
      },
    ];
    const { targets, problems } = await collectTargets(lists, DEFAULT_TARGET_DEFAULTS, noSecrets);
    assert.deepEqual(
      targets.map((t) => t.target.url),
      ['http://127.0.0.1:1/', 'http://127.0.0.1:3/'],
    );
    assert.deepEqual(
      problems.map((p) => p.origin.index),
      [1, 2, 3, 4],
    );
    assert.match(problems[0]!.message, /^networkMonitor\.targets\[1\] in User settings is skipped: Unsupported scheme "ftp:\/\/"/);
    assert.match(problems[2]!.message, /no "url"/);
    assert.match(problems[3]!.message, /"interval" must be a number of seconds/);
    assert.equal(new Set(problems.map((p) => p.key)).size, 4, 'each problem has its own key');
  });

  test('the same problem read twice has the same key, so it is reported once', async () => {
    const lists: EntryList[] = [{ level: 'workspace', entries: ['not a url at all'] }];
    const first = await collectTargets(lists, DEFAULT_TARGET_DEFAULTS, noSecrets);
    const second = await collectTargets(lists, DEFAULT_TARGET_DEFAULTS, noSecrets);
    assert.equal(first.problems.length, 1);
    assert.equal(first.problems[0]!.key, second.problems[0]!.key);
  });

  test('a list that is not an array is reported, not thrown', async () => {
    const { targets, problems } = await collectTargets(
      [{ level: 'user', entries: 'http://127.0.0.1/' }],
      DEFAULT_TARGET_DEFAULTS,
      noSecrets,
    );
    assert.equal(targets.length, 0);
    assert.match(problems[0]!.message, /must be a list/);
  });

  test('two entries with one id at the same level: the second is reported', async () => {
    const { targets, problems } = await collectTargets(
      [{ level: 'user', entries: ['http://127.0.0.1:9/', 'http://127.0.0.1:9'] }],
      DEFAULT_TARGET_DEFAULTS,
      noSecrets,
    );
    assert.equal(targets.length, 1);
    assert.match(problems[0]!.message, /same id as networkMonitor\.targets\[0\] in User settings/);
  });

  test('secret references in headers are resolved for the probe; the entry keeps the reference', async () => {
    const entry = { url: 'https://api.test/', headers: { Authorization: 'Bearer ${secret:apiToken}', 'X-Plain': 'yes' } };
    const lookup: SecretLookup = async (name) => (name === 'apiToken' ? { value: 's3cr3t', origins: ['https://api.test'] } : undefined);
    const { targets, problems } = await collectTargets([{ level: 'user', entries: [entry] }], DEFAULT_TARGET_DEFAULTS, lookup);
    assert.deepEqual(problems, []);
    assert.equal(targets[0]!.target.http?.headers.authorization, 'Bearer s3cr3t');
    assert.equal(targets[0]!.target.http?.headers['x-plain'], 'yes');
    assert.deepEqual(targets[0]!.entry, entry);
  });

  test('a reference to a secret that is not stored says how to store it', async () => {
    const entry = { url: 'https://api.test/', headers: { Authorization: '${secret:missing}' } };
    const { targets, problems } = await collectTargets([{ level: 'user', entries: [entry] }], DEFAULT_TARGET_DEFAULTS, noSecrets);
    assert.equal(targets.length, 0);
    assert.match(problems[0]!.message, /secret "missing".*Store Secret/);
  });

  test('defaults apply to entries that do not set their own interval and timeout', async () => {
    const defaults = { ...DEFAULT_TARGET_DEFAULTS, intervalMs: 2_000, timeoutMs: 500 };
    const { targets } = await collectTargets(
      [{ level: 'user', entries: ['tcp://127.0.0.1:80', { url: 'tcp://127.0.0.1:81', interval: 9 }] }],
      defaults,
      noSecrets,
    );
    assert.deepEqual(
      targets.map((t) => [t.target.intervalMs, t.target.timeoutMs]),
      [
        [2_000, 500],
        [9_000, 500],
      ],
    );
  });
});

describe('entry helpers', () => {
  test('secretNamesIn lists each referenced name once', () => {
    assert.deepEqual(secretNamesIn({ url: 'x', headers: { a: '${secret:one} ${secret:two}', b: '${secret:one}' } }), ['one', 'two']);
    assert.deepEqual(secretNamesIn('https://x.test/'), []);
  });

  test('compactEntry writes a bare URL when nothing else is set, and drops paused: false', () => {
    assert.equal(compactEntry({ url: 'https://x.test/', name: undefined, paused: false }), 'https://x.test/');
    assert.deepEqual(compactEntry({ url: 'https://x.test/', paused: true }), { url: 'https://x.test/', paused: true });
  });

  test('describeOrigin names the folder for folder settings', () => {
    assert.equal(
      describeOrigin({ level: 'folder', folder: { name: 'api', uri: 'file:///api' }, index: 2 }),
      'networkMonitor.targets[2] in the settings of folder "api"',
    );
  });
});
