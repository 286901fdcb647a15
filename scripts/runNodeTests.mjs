// Runs every test/unit, test/integration and test/bench (the benchmarks' own code) *.test.ts file
// under Node's test runner (TypeScript through tsx). Extra arguments are passed on, e.g. `npm run test:node -- --test-name-pattern=tls`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  let found = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return found;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found = found.concat(findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const roots = only.length > 0 ? only : ['test/unit', 'test/integration', 'test/bench'];
const files = roots.flatMap((root) => (statSync(root, { throwIfNoEntry: false })?.isDirectory() ? findTests(root) : [root])).sort();
if (files.length === 0) {
  console.error(`No test files found under ${roots.join(', ')}.`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...flags, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
