#!/usr/bin/env node
/** The headless entry: the same engine as the extension, with console output. */
function main(argv: string[]): number {
  const [command] = argv;
  process.stderr.write(`network-monitor: unknown command ${command ?? '(none)'}\n`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
