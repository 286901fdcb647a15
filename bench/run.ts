/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process, one after another, so one
 * bench's garbage and sockets do not disturb the next. `npm run bench -- probe` runs only the
 * benches whose file name contains "probe".
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);
const benches = readdirSync(__dirname)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

let failed = 0;
for (const name of benches) {
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(__dirname, name)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.log(`${name} failed (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
