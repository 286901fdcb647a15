/** The CLI's arguments: Node's strict parser, with messages a person typing a command can act on. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numberOption, parseArgs, textOption, UsageError } from '../../../src/cli/args';
import { runCli } from '../../support/cli';

const KINDS = { stdin: 'flag', timeout: 'value', header: 'values' } as const;

test('values, flags, repeated options, -h and positionals after --', () => {
  const args = parseArgs(
    ['http://a/', '--timeout=500', '--stdin', '--header', 'A: 1', '--header', 'B: 2', '-h', '--', '--not-an-option'],
    KINDS,
  );
  assert.deepEqual(args.positionals, ['http://a/', '--not-an-option']);
  assert.equal(textOption(args, 'timeout'), '500');
  assert.equal(numberOption(args, 'timeout', 1), 500);
  assert.equal(args.options.get('stdin'), true);
  assert.equal(args.options.get('help'), true);
  assert.deepEqual(args.repeated.get('header'), ['A: 1', 'B: 2']);
  assert.equal(numberOption(parseArgs([], KINDS), 'timeout', 7), 7);
});

test('an unknown option, a missing value, a value that looks like an option and a flag with a value say so', () => {
  const cases: [string[], string][] = [
    [['--since', '1d'], 'Unknown option --since. --help lists the options.'],
    [['-x'], 'Unknown option -x. --help lists the options.'],
    [['--timeout'], '--timeout needs a value.'],
    [['--timeout', '--stdin'], '--timeout needs a value (for a value that starts with a dash, write --timeout=VALUE).'],
    [['--stdin=yes'], '--stdin is a flag and takes no value.'],
  ];
  for (const [argv, message] of cases) {
    assert.throws(
      () => parseArgs(argv, KINDS),
      (error: unknown) => error instanceof UsageError && error.message === message,
      argv.join(' '),
    );
  }
  for (const bad of ['', 'soon', '-1']) {
    assert.throws(
      () => numberOption(parseArgs([`--timeout=${bad}`], KINDS), 'timeout', 1, { min: 0 }),
      /--timeout must be a number of at least 0/,
    );
  }
});

test('every command answers -h with its usage and refuses an unknown option with exit code 2', async () => {
  for (const command of ['check', 'watch', 'export', 'anomaly-score']) {
    const help = await runCli([command, '-h']);
    assert.equal(help.code, 0, `${command} -h: ${help.stderr}`);
    assert.match(help.stdout, new RegExp(`^Usage:\\s+network-monitor ${command}`), command);
    const wrong = await runCli([command, '--no-such-option']);
    assert.equal(wrong.code, 2, command);
    assert.equal(wrong.stderr, 'network-monitor: Unknown option --no-such-option. --help lists the options.\n', command);
  }
});
