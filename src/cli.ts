#!/usr/bin/env node
/** The headless entry: the same engine as the extension, with console output. */
import { version } from '../package.json';
import { UsageError } from './cli/args';
import { ANOMALY_SCORE_USAGE, runAnomalyScore } from './cli/anomalyScoreCommand';
import { CHECK_USAGE, runCheckCommand } from './cli/checkCommand';

const USAGE = `network-monitor ${version}

Commands:
  check URL...          check targets once, one JSON line each
  check --stdin         check targets read one per line from stdin
  anomaly-score         score a timestamp,value CSV from stdin, one score per row

${CHECK_USAGE}

${ANOMALY_SCORE_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return await runCheckCommand(rest, process.stdin, process.stdout);
      case 'anomaly-score':
        if (rest.includes('--help')) {
          process.stdout.write(ANOMALY_SCORE_USAGE + '\n');
          return 0;
        }
        return await runAnomalyScore(process.stdin, process.stdout);
      case '--version':
      case 'version':
        process.stdout.write(version + '\n');
        return 0;
      case undefined:
      case 'help':
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
