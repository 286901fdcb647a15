/**
 * Reading a workspace for suggested targets: a generated workspace of 10,000 files in a temp dir
 * (source files, a node_modules folder, and 1,000 declaration files: `.http` files with variables
 * and a `.env` beside them, compose files, launch.json files), scanned by the core scanner, against
 * a baseline measured in the same run that lists the same files and reads the same declaration
 * files' first bytes without parsing them. Both list the folder the same way (node_modules and
 * .git left out, as the editor's file search does for the extension), so the ratio is the cost of
 * reading within the byte limit and parsing. While each runs, the event loop's delay is sampled
 * (perf_hooks.monitorEventLoopDelay): its p99 says how long the editor's extension host would be
 * held at worst.
 *
 * Targets: the scan under 2 s, the event loop's p99 delay under 20 ms.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { listSuggestions, suggestionFileKind } from '../src/core/suggestions/suggestedTarget';
import { MAX_BYTES_PER_FILE, readFileStart, SuggestionScanner } from '../src/core/suggestions/suggestionScanner';

const TOTAL_FILES = 10_000;
const PACKAGES = 100;
const RUNS = 3;

/** Writes the workspace: per package 3 request files, 3 .env files, 3 compose files and a launch.json (1,000 declaration files in all), the rest source files. */
function generateWorkspace(root: string): { files: number; declarations: number } {
  let files = 0;
  let declarations = 0;
  const write = (path: string, text: string, declaration = false): void => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    files++;
    if (declaration) declarations++;
  };
  for (let p = 0; p < PACKAGES; p++) {
    const pkg = join(root, 'packages', `service-${p}`);
    const requests = Array.from(
      { length: 20 },
      (_, r) =>
        `### Request ${r}\n# @name r${r}\nGET {{base}}/v1/items/${r}?page=1\nAccept: application/json\nAuthorization: Bearer {{TOKEN}}\n\n`,
    ).join('');
    write(join(pkg, 'api.http'), `@base = http://{{HOST}}:${3000 + p}\n\n${requests}`, true);
    write(join(pkg, 'admin', 'admin.rest'), `@base = http://localhost:${4000 + p}\n\n${requests}`, true);
    write(join(pkg, '.env'), `HOST=localhost\nTOKEN=secret-${p}\nAPI_URL=http://localhost:${5000 + p}/api\n`, true);
    write(join(pkg, 'admin', '.env'), `HOST=127.0.0.1\nTOKEN=admin-${p}\n`, true);
    write(
      join(pkg, 'docker-compose.yml'),
      `services:\n  web:\n    image: nginx\n    ports:\n      - "${8000 + p}:80"\n  db:\n    image: postgres\n    ports:\n      - "${15000 + p}:5432"\n`,
      true,
    );
    write(
      join(pkg, 'tests', 'smoke.http'),
      `GET http://localhost:${7000 + p}/health\n\n###\nHEAD http://localhost:${7000 + p}/ready\n`,
      true,
    );
    write(join(pkg, '.env.local'), `PUBLIC_URL=https://service-${p}.test/\n`, true);
    write(
      join(pkg, 'docker-compose.override.yml'),
      `services:\n  web:\n    ports:\n      - target: 443\n        published: ${10000 + p}\n`,
      true,
    );
    write(join(pkg, 'deploy', 'compose.yaml'), `services:\n  api:\n    ports: ["127.0.0.1:${9000 + p}:8080"]\n`, true);
    write(
      join(pkg, '.vscode', 'launch.json'),
      `{\n  // generated\n  "configurations": [\n    { "name": "Chrome ${p}", "type": "chrome", "url": "http://localhost:${6000 + p}/" },\n  ],\n}\n`,
      true,
    );
  }
  // The rest: a node_modules folder (not listed) and source files.
  const vendored = 1_000;
  for (let i = 0; i < vendored; i++) write(join(root, 'node_modules', `dep-${i % 50}`, `file-${i}.js`), `module.exports = ${i};\n`);
  const source = `export function handler(request) {\n  return fetch('http://localhost:3000/api').then((r) => r.json());\n}\n`.repeat(20);
  for (let i = 0; files < TOTAL_FILES; i++) write(join(root, 'packages', `service-${i % PACKAGES}`, 'src', `module-${i}.ts`), source);
  return { files, declarations };
}

/** Every file under `root`, node_modules and .git left out: what both measurements list. */
async function listFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const folders = [root];
  while (folders.length > 0) {
    const folder = folders.pop()!;
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== '.git') folders.push(join(folder, entry.name));
      } else found.push(join(folder, entry.name));
    }
  }
  return found;
}

interface Measured {
  ms: number;
  p99DelayMs: number;
  maxDelayMs: number;
  detail: string;
}

async function measure(run: () => Promise<string>): Promise<Measured> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  const detail = await run();
  const ms = performance.now() - started;
  histogram.disable();
  return { ms, p99DelayMs: histogram.percentile(99) / 1e6, maxDelayMs: histogram.max / 1e6, detail };
}

async function baseline(root: string): Promise<string> {
  const paths = (await listFiles(root)).filter((path) => suggestionFileKind(path) !== undefined);
  let bytes = 0;
  // Eight at a time, as the scanner reads.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const start = await readFileStart(paths[next++]!, MAX_BYTES_PER_FILE);
      bytes += start?.text.length ?? 0;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return `${paths.length} declaration files, ${(bytes / 1e6).toFixed(1)} MB read`;
}

async function scanner(root: string): Promise<string> {
  const paths = (await listFiles(root)).filter((path) => suggestionFileKind(path) !== undefined);
  const scan = new SuggestionScanner();
  await scan.scan(paths);
  let found = 0;
  for (const suggestions of scan.byFile.values()) found += suggestions.length;
  const list = listSuggestions(scan.byFile, () => false, 100);
  return `${paths.length} declaration files, ${found} suggestions, ${list.shown.length} listed + ${list.leftOut} left out`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'nm-suggestions-bench-'));
  try {
    const generated = generateWorkspace(root);
    console.log(`workspace: ${generated.files} files (${generated.declarations} declaration files, 1,000 under node_modules) in ${root}`);
    // One of each first, so both find the files in the page cache.
    await baseline(root);
    await scanner(root);
    const results: { baseline: Measured[]; scanner: Measured[] } = { baseline: [], scanner: [] };
    for (let run = 0; run < RUNS; run++) {
      results.baseline.push(await measure(() => baseline(root)));
      results.scanner.push(await measure(() => scanner(root)));
    }
    for (const [name, runs] of Object.entries(results)) {
      console.log(
        `${name.padEnd(9)} median ${median(runs.map((run) => run.ms)).toFixed(0)} ms, event-loop delay p99 ${median(runs.map((run) => run.p99DelayMs)).toFixed(1)} ms ` +
          `(max ${Math.max(...runs.map((run) => run.maxDelayMs)).toFixed(1)} ms); ${runs[0]!.detail}`,
      );
    }
    const scanMs = median(results.scanner.map((run) => run.ms));
    const scanDelay = median(results.scanner.map((run) => run.p99DelayMs));
    console.log(
      `scanner / baseline: ${(scanMs / median(results.baseline.map((run) => run.ms))).toFixed(2)}x; ` +
        `scan ${scanMs.toFixed(0)} ms (target < 2000 ms: ${scanMs < 2000 ? 'met' : 'MISSED'}), ` +
        `event-loop p99 ${scanDelay.toFixed(1)} ms (target < 20 ms: ${scanDelay < 20 ? 'met' : 'MISSED'})`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
