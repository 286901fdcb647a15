/**
 * Loaded by VS Code as `extensionTestsPath`: runs every bundled suite (out/e2e/suite/*.test.js,
 * built from test/e2e/suite/*.test.ts) with mocha inside the extension host. Adding a suite is
 * adding a file. NM_E2E_GREP narrows the run to matching test titles.
 */
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

/** Results go to the console and, when the runner asks for it, to a file it prints afterwards. */
function writeLine(line: string): void {
  console.log(line);
  const file = process.env.NM_E2E_RESULTS_FILE;
  if (file) appendFileSync(file, `${line}\n`);
}

class ClosingLineReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, (test) => {
      passed++;
      writeLine(`  ok   ${test.fullTitle()} (${test.duration ?? 0} ms)`);
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, error: Error) => {
      failed++;
      writeLine(`  FAIL ${test.fullTitle()}\n${indent(error.stack ?? String(error))}`);
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => writeLine(`${passed} passed, ${failed} failed`));
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `       ${line}`)
    .join('\n');
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: ClosingLineReporter });
  const grep = process.env.NM_E2E_GREP;
  if (grep) mocha.grep(grep);
  const suiteDir = join(__dirname, 'suite');
  const files = readdirSync(suiteDir)
    .filter((name) => name.endsWith('.test.js'))
    .sort();
  for (const name of files) mocha.addFile(join(suiteDir, name));
  return new Promise((resolve, reject) => {
    if (files.length === 0) {
      reject(new Error(`No suites in ${suiteDir}; run node test/e2e/buildSuites.mjs first.`));
      return;
    }
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} end-to-end test(s) failed.`)) : resolve()));
  });
}
