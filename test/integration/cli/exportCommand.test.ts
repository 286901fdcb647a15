/**
 * `network-monitor export` against a real history folder: checks in the database file and checks
 * still only in the journal of a writer that is running, printed exactly as the writer's own
 * export (the editor's Export History) prints them, with the folder left as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { runCli } from '../../support/cli';
import { makeCheck, openSnapshotDirectly, queryRows, tempDirectory } from '../../unit/store/storeTestSupport';

const HOUR_MS = 3_600_000;
const SITE = { id: 'site', url: 'http://127.0.0.1:8080/', name: 'Site, with a comma' };
const DB = { id: 'db', url: 'tcp://127.0.0.1:5432', name: 'Database' };

/** Name, size and modification time of every file: what a read-only export must leave alone. */
function folderState(directory: string): string[] {
  return readdirSync(directory)
    .sort()
    .map((name) => {
      const info = statSync(join(directory, name));
      return `${name} ${info.size} ${info.mtimeMs}`;
    });
}

test('export prints the database file and the journal of a running writer as the editor exports them, and changes nothing', async (t) => {
  const directory = tempDirectory(t);
  const base = Date.now() - 2 * HOUR_MS;
  const to = Date.now() + HOUR_MS;

  // A first session's checks end up in the database file when it closes.
  const first = await SqlJsHistoryStore.open({ directory });
  first.upsertTarget(SITE);
  for (let i = 0; i < 5; i++)
    first.append(makeCheck({ targetId: SITE.id, target: SITE.url, startedAt: base + i * 60_000, totalMs: 40 + i }));
  await first.dispose();

  // A second session is still writing: its checks are only in the journal.
  const writer = await SqlJsHistoryStore.open({ directory });
  try {
    await exportWhileWriting(writer, directory, base, to);
  } finally {
    await writer.dispose();
  }
});

async function exportWhileWriting(writer: SqlJsHistoryStore, directory: string, base: number, to: number): Promise<void> {
  writer.upsertTarget(DB);
  writer.append(
    makeCheck({
      targetId: DB.id,
      target: DB.url,
      startedAt: base + HOUR_MS,
      status: 'DOWN',
      reason: 'CONNECTION_REFUSED',
      statusCode: null,
      message: 'Connection refused, "quoted", by 127.0.0.1',
    }),
  );
  writer.append(makeCheck({ targetId: SITE.id, target: SITE.url, startedAt: base + HOUR_MS + 1_000, totalMs: 90 }));
  await writer.flush();
  const before = folderState(directory);
  const snapshot = await openSnapshotDirectly(directory);
  assert.deepEqual(queryRows(snapshot, 'SELECT count(*) FROM checks'), [[5]], "the running session's checks are only in the journal");
  snapshot.close();

  const csv = await runCli(['export', '--data-dir', directory, '--to', String(to)]);
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal(csv.stdout, writer.exportRange(undefined, { from: 0, to }, 'csv'));
  const rows = csv.stdout.trim().split('\r\n').slice(1);
  assert.equal(rows.length, 7, csv.stdout);
  assert.ok(
    rows.some((row) => row.includes('Connection refused')),
    'the journal-only check is exported',
  );

  const json = await runCli(['export', '--data-dir', directory, '--format', 'json', '--target', DB.url, '--to', String(to)]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(json.stdout, writer.exportRange([DB.id], { from: 0, to }, 'json'));
  const exported = JSON.parse(json.stdout) as { checks: { targetId: string; status: string }[] };
  assert.deepEqual(
    exported.checks.map((check) => [check.targetId, check.status]),
    [[DB.id, 'DOWN']],
  );

  // --from and --to keep [from, to): the second to fourth of the first session's checks.
  const window = await runCli([
    'export',
    '--data-dir',
    directory,
    '--target',
    SITE.id,
    '--from',
    String(base + 60_000),
    '--to',
    new Date(base + 4 * 60_000).toISOString(),
  ]);
  assert.equal(window.code, 0, window.stderr);
  assert.equal(window.stdout.trim().split('\r\n').length - 1, 3, window.stdout);

  assert.deepEqual(folderState(directory), before, 'export changes no file in the folder');
}

test('export refuses a missing folder, an unknown target, a bad format and a bad time with exit code 2 and says why', async (t) => {
  const directory = tempDirectory(t);
  const store = await SqlJsHistoryStore.open({ directory });
  store.upsertTarget(SITE);
  store.append(makeCheck({ targetId: SITE.id, target: SITE.url, startedAt: Date.now() - 60_000 }));
  await store.dispose();

  const cases: [string[], RegExp][] = [
    [['--data-dir', join(directory, 'nowhere')], /There is no history folder at .*nowhere/],
    [
      ['--data-dir', directory, '--target', 'http://127.0.0.1:1/'],
      /No target "http:\/\/127\.0\.0\.1:1\/" in the history .* Known: http:\/\/127\.0\.0\.1:8080\//,
    ],
    [['--data-dir', directory, '--format', 'xml'], /--format must be csv or json \(got "xml"\)/],
    [['--data-dir', directory, '--from', 'yesterday'], /--from "yesterday" is not a time/],
    [['--data-dir', directory, '--from', '1d', '--to', '2d'], /--from must be before --to/],
    [['--data-dir', directory, '--since', '1d'], /Unknown option --since/],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(['export', ...args]);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '', 'nothing is printed on stdout');
  }

  const recent = await runCli(['export', '--data-dir', directory, '--from', '1h']);
  assert.equal(recent.code, 0, recent.stderr);
  assert.equal(recent.stdout.trim().split('\r\n').length, 2, 'the check of a minute ago is within the last hour');
});
