/**
 * `network-monitor import FILE`: turns an Uptime Kuma backup (JSON) or a Gatus configuration
 * (YAML) into a target list for `--config` (and for the editor's networkMonitor.targets), printed
 * on stdout; what maps in part and what cannot are said on stderr. Credentials found in the file
 * are never printed: their headers become `${secret:NAME}` references, named on stderr.
 */
import { readFileSync } from 'node:fs';
import { ImportError, importTargets, type ImportFormat } from '../core/targets/targetImport';
import { parseArgs, textOption, UsageError } from './args';

export const IMPORT_USAGE = `Usage:
  network-monitor import FILE [--format uptime-kuma|gatus] > targets.json

Reads an Uptime Kuma backup (Settings > Backup > Export, JSON) or a Gatus configuration (YAML;
the format is told from the content unless --format says) and prints the targets as a JSON array
for --config or the networkMonitor.targets setting. Notes on what maps only in part, and the
monitors that cannot be imported with the reason, go to stderr. Credentials in headers become
\${secret:NAME} references (named on stderr, values never printed): in the editor, Import Targets
keeps them in Secret Storage instead.`;

export function runImportCommand(argv: readonly string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): number {
  const args = parseArgs(argv, { format: 'value' });
  if (args.options.has('help')) {
    stdout.write(IMPORT_USAGE + '\n');
    return 0;
  }
  if (args.positionals.length !== 1)
    throw new UsageError('import takes one FILE: an Uptime Kuma backup (.json) or a Gatus configuration (.yaml).');
  const file = args.positionals[0]!;
  const format = textOption(args, 'format');
  if (format !== undefined && format !== 'uptime-kuma' && format !== 'gatus')
    throw new UsageError('--format must be uptime-kuma or gatus.');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}.`);
  }
  let preview;
  try {
    preview = importTargets(text, format as ImportFormat | undefined);
  } catch (error) {
    if (error instanceof ImportError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
  const say = (line: string): void => void stderr.write(line + '\n');
  say(
    `${preview.targets.length} target(s) imported from ${preview.format === 'gatus' ? 'Gatus' : 'Uptime Kuma'}, ${preview.skipped.length} not:`,
  );
  for (const imported of preview.targets)
    say(`  ${imported.source}: ${imported.entry.url}${imported.notes.length > 0 ? ` (${imported.notes.join('; ')})` : ''}`);
  for (const skipped of preview.skipped) say(`  ${skipped.source}: not imported, ${skipped.reason}`);
  if (preview.secrets.length > 0) {
    say(
      `Credentials left out of the list, to pass with --header or keep with the editor's Store Secret: ${preview.secrets.map((secret) => `${secret.name} (for ${secret.origin})`).join(', ')}`,
    );
  }
  stdout.write(
    JSON.stringify(
      preview.targets.map((imported) => imported.entry),
      null,
      2,
    ) + '\n',
  );
  return preview.targets.length > 0 ? 0 : 1;
}
