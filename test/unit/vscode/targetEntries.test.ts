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

  test('a workspace or folder entry with the id of a user entry is refused; the user target stays, with its own settings', async () => {
    const lists: EntryList[] = [
      { level: 'user', entries: ['http://127.0.0.1:8080/', { url: 'https://api.test/health', id: 'prod-api', name: 'Prod API' }] },
      { level: 'workspace', entries: [{ url: 'http://127.0.0.1:8080/', name: 'team name', interval: 5 }] },
      { level: 'folder', folder: { name: 'repo', uri: 'file:///repo' }, entries: [{ url: 'https://elsewhere.test/', id: 'prod-api' }] },
    ];
    const { targets, problems } = await collectTargets(lists, DEFAULT_TARGET_DEFAULTS, noSecrets);
    assert.deepEqual(
      targets.map((t) => [t.origin.level, t.target.id, t.target.name, t.target.url]),
      [
        ['user', targetIdFor('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080/', 'http://127.0.0.1:8080/'],
        ['user', 'prod-api', 'Prod API', 'https://api.test/health'],
      ],
    );
    assert.deepEqual(
      problems.map((problem) => [problem.origin.level, problem.origin.index]),
      [
        ['workspace', 0],
        ['folder', 0],
      ],
    );
    assert.match(
      problems[1]!.message,
      /has the id "prod-api" of a target in your User settings \(https:\/\/api\.test\/health\).*may not replace yours or take over its history/,
    );
  });

  test('a folder entry with the id of a workspace entry replaces it, in its place', async () => {
    const lists: EntryList[] = [
      { level: 'workspace', entries: [{ url: 'http://127.0.0.1:8080/', id: 'team' }, 'dns://example.test'] },
      { level: 'folder', folder: { name: 'repo', uri: 'file:///repo' }, entries: [{ url: 'http://127.0.0.1:9090/', id: 'team' }] },
    ];
    const { targets, problems } = await collectTargets(lists, DEFAULT_TARGET_DEFAULTS, noSecrets);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      targets.map((t) => [t.origin.level, t.target.url]),
      [
        ['folder', 'http://127.0.0.1:9090/'],
        ['workspace', 'dns://example.test'],
      ],
    );
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
