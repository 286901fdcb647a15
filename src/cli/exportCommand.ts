/**
 * `network-monitor export`: prints the history kept in a data directory as the editor's Export
 * History writes it (the same CSV or JSON), so scripts read the history without the editor. The
 * store is opened read-only, the way a second VS Code window reads it: the snapshot plus every
 * check still only in the journal, and nothing in the folder is changed, even while a `watch` or
 * an editor window is writing there.
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { ExportFormat, StoreProblem } from '../core/store/historyStore';
import { HistoryFollower } from '../core/store/historyFollower';
import { parseArgs, textOption, UsageError } from './args';

export const EXPORT_USAGE = `Usage: network-monitor export [--data-dir DIR] [--format csv|json] [--target ID|URL]
                             [--from TIME] [--to TIME]

Prints the history in --data-dir (default ~/.network-monitor; for the editor's history, its global
storage folder) as CSV (default) or JSON, the same as the editor's Export History, including the
checks not yet in the database file. --target keeps one target, by id or URL. --from and --to take
an ISO 8601 date or time (2026-12-01, 2026-12-01T08:00:00Z), epoch milliseconds, or a time ago
(90m, 24h, 7d); by default the whole history. Nothing in the folder is changed.`;

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A point in time from --from/--to: ISO 8601, epoch milliseconds, or a duration before `now`. */
export function parseTimeOption(name: string, raw: string, now: number): number {
  const ago = /^(\d+(?:\.\d+)?)([smhd])$/.exec(raw);
  if (ago) return now - Number(ago[1]) * DURATION_UNITS_MS[ago[2]!]!;
  if (/^\d{10,}$/.test(raw)) return Number(raw);
  // Date.parse also takes loose forms like "1"; only ISO 8601 dates and times are meant here.
  const parsed = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(parsed)) {
    throw new UsageError(
      `--${name} "${raw}" is not a time: give an ISO 8601 date or time (2026-12-01T08:00:00Z), epoch milliseconds, or a time ago (90m, 24h, 7d).`,
    );
  }
  return parsed;
}

export interface ExportDependencies {
  /** Where `sql-wasm.wasm` is, next to the bundle; undefined uses the one in node_modules. */
  wasmPath?: string;
  now?: () => number;
}

export async function runExportCommand(
  argv: readonly string[],
  output: Writable,
  errors: Writable,
  dependencies: ExportDependencies = {},
): Promise<number> {
  const args = parseArgs(argv, { 'data-dir': 'value', format: 'value', target: 'value', from: 'value', to: 'value' });
  if (args.options.has('help')) {
    output.write(EXPORT_USAGE + '\n');
    return 0;
  }
  if (args.positionals.length > 0)
    throw new UsageError(`export takes no arguments (got "${args.positionals[0]}"); a target goes in --target.`);

  const format = (textOption(args, 'format') ?? 'csv') as ExportFormat;
  if (format !== 'csv' && format !== 'json') throw new UsageError(`--format must be csv or json (got "${format}").`);
  const now = (dependencies.now ?? Date.now)();
  const fromRaw = textOption(args, 'from');
  const toRaw = textOption(args, 'to');
  const from = fromRaw === undefined ? 0 : parseTimeOption('from', fromRaw, now);
  // The end is exclusive; by default one millisecond past now, so a check made this instant is in.
  const to = toRaw === undefined ? now + 1 : parseTimeOption('to', toRaw, now);
  if (from >= to)
    throw new UsageError(`--from must be before --to (${new Date(from).toISOString()} is not before ${new Date(to).toISOString()}).`);

  const dataDir = resolve(textOption(args, 'data-dir') ?? join(homedir(), '.network-monitor'));
  const folder = await stat(dataDir).catch(() => undefined);
  if (!folder?.isDirectory())
    throw new UsageError(
      `There is no history folder at ${dataDir}: give the folder a watch ran with (--data-dir), or the editor's global storage folder.`,
    );

  const problems: StoreProblem[] = [];
  // Read-only: never takes the writer's place, never moves a damaged file aside, never writes.
  let store: HistoryFollower;
  try {
    store = await HistoryFollower.open({
      directory: dataDir,
      wasmPath: dependencies.wasmPath,
      onProblem: (problem) => problems.push(problem),
    });
  } catch (error) {
    // A history that cannot be read now (or was written by a newer version) is left as it is.
    errors.write(`network-monitor: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    for (const problem of problems) errors.write(`network-monitor: ${problem.message}\n`);
    let targetIds: string[] | undefined;
    const wanted = textOption(args, 'target');
    if (wanted !== undefined) {
      const target = store.targets().find((candidate) => candidate.id === wanted || candidate.url === wanted);
      if (!target)
        throw new UsageError(
          `No target "${wanted}" in the history at ${dataDir}. Known: ${
            store
              .targets()
              .map((known) => known.url)
              .join(', ') || 'none'
          }.`,
        );
      targetIds = [target.id];
    }
    output.write(store.exportRange(targetIds, { from, to }, format));
    return 0;
  } finally {
    await store.dispose();
  }
}
