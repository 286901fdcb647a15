#!/usr/bin/env node
/** The headless entry: the same engine as the extension, with console output. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { version } from '../package.json';
import { parseArgs, UsageError } from './cli/args';
import { ANOMALY_SCORE_USAGE, runAnomalyScore } from './cli/anomalyScoreCommand';
import { CHECK_USAGE, runCheckCommand } from './cli/checkCommand';
import { EXPORT_USAGE, runExportCommand } from './cli/exportCommand';
import { IMPORT_USAGE, runImportCommand } from './cli/importCommand';
import { runWatchCommand, WATCH_USAGE } from './cli/watchCommand';

const USAGE = `network-monitor ${version}

Commands:
  check URL...          check targets once, one JSON line each
  check --stdin         check targets read one per line from stdin
  watch URL...          monitor targets, print each check, alerts and a report
  export                print the history of a data folder as CSV or JSON
  import FILE           turn an Uptime Kuma backup or a Gatus configuration into targets
  anomaly-score         score a timestamp,value CSV from stdin, one score per row

${CHECK_USAGE}

${WATCH_USAGE}

${EXPORT_USAGE}

${IMPORT_USAGE}

${ANOMALY_SCORE_USAGE}`;

const GEO_DATABASE_FILE = 'geo-whois-asn-country.mmdb';

/** Files shipped next to the bundle (dist/); undefined when running from the sources. */
function bundledFile(name: string): string | undefined {
  const path = join(__dirname, name);
  return existsSync(path) ? path : undefined;
}

/** Resolves on the first Ctrl+C or SIGTERM; a second Ctrl+C exits at once. */
function interruption(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.once('SIGINT', () => process.exit(130));
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return await runCheckCommand(rest, process.stdin, process.stdout);
      case 'watch':
        return await runWatchCommand(
          rest,
          { input: process.stdin, output: process.stdout, interrupted: interruption() },
          {
            wasmPath: bundledFile('sql-wasm.wasm'),
            geoDatabasePath:
              bundledFile(GEO_DATABASE_FILE) ??
              join(__dirname, '..', 'node_modules', '@ip-location-db', 'geo-whois-asn-country-mmdb', GEO_DATABASE_FILE),
          },
        );
      case 'export':
        return await runExportCommand(rest, process.stdout, process.stderr, { wasmPath: bundledFile('sql-wasm.wasm') });
      case 'import':
        return runImportCommand(rest, process.stdout, process.stderr);
      case 'anomaly-score': {
        const args = parseArgs(rest, {});
        if (args.options.has('help')) {
          process.stdout.write(ANOMALY_SCORE_USAGE + '\n');
          return 0;
        }
        if (args.positionals.length > 0)
          throw new UsageError(`anomaly-score reads its CSV from stdin and takes no arguments (got "${args.positionals[0]}").`);
        return await runAnomalyScore(process.stdin, process.stdout);
      }
      case '--version':
      case 'version':
        process.stdout.write(version + '\n');
        return 0;
      case undefined:
      case 'help':
      case '-h':
      case '--help':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command "${command}". Run network-monitor --help for the commands.`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`network-monitor: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`network-monitor: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
