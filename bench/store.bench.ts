/**
 * History store figures: ingest rate, a simulated year of 100 targets checked every 60 s (file
 * size, snapshot and open times), the 30-day chart query, and the journal's cost per check on a
 * small and on a year-sized database. Ratios are against baselines measured in the same run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckRecord } from '../src/core/store/checkRecord';
import { LatencyHistogram } from '../src/core/store/latencyHistogram';
import { migrate, ROLLUP_LEVELS } from '../src/core/store/schema';
import { encodeSnapshot } from '../src/core/store/snapshotFile';
import { loadSqlJs } from '../src/core/store/sqlJsLoader';
import { SNAPSHOT_FILE, SqlJsHistoryStore } from '../src/core/store/sqlJsHistoryStore';

const DAY = 86_400_000;
const TARGETS = 100;
const INTERVAL_MS = 60_000;
const YEAR_END = Date.UTC(2026, 10, 24, 12, 0, 0);

let state = 12345;
const random = (): number => {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state / 2147483648;
};
const latencyUs = (): number => Math.round((20 + random() * 60 + (random() < 0.01 ? 1500 : 0)) * 1000);

function check(targetId: string, startedAt: number): CheckRecord {
  const totalMs = latencyUs() / 1000;
  return {
    targetId,
    target: `https://service-${targetId}.test/health`,
    startedAt,
    status: random() < 0.01 ? 'DOWN' : 'UP',
    reason: null,
    message: 'HTTP 200',
    statusCode: 200,
    totalMs,
    phases: { dns: 1.2, connect: 5.1, tls: 9.3, firstByte: totalMs - 16, transfer: 0.4 },
    tls: null,
    addresses: ['192.0.2.10'],
    anomalyScore: Math.round(random() * 10_000) / 10_000,
    location: { country: 'Example', countryCode: 'EX', city: null, isp: null, asn: 64500, lat: 0, lon: 0, local: false },
  };
}

interface ProcessMemory {
  heldMb: number;
  residentMb: number;
}

function memoryOf(line: string): ProcessMemory {
  const { heapUsed, arrayBuffers, rss } = JSON.parse(line) as { heapUsed: number; arrayBuffers: number; rss: number };
  return { heldMb: (heapUsed + arrayBuffers) / 1e6, residentMb: rss / 1e6 };
}

/**
 * What each kind of window holds, each in a fresh process: the checking window with the history
 * open, answering questions; then a reading window asking it what its views show. Heap in use plus
 * array buffers, and the resident set, in MB.
 */
async function windowMemoryMb(directory: string): Promise<{ writer: ProcessMemory; reader: ProcessMemory }> {
  const args = (role: string) => [
    '--import',
    'tsx',
    '--expose-gc',
    join(__dirname, 'support', 'storeMemory.ts'),
    directory,
    role,
    String(YEAR_END),
  ];
  const writerProcess = spawn(process.execPath, args('writer'), { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const writerLine = await new Promise<string>((resolve, reject) => {
      let output = '';
      writerProcess.stdout.setEncoding('utf8');
      writerProcess.stdout.on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('\n')) resolve(output.split('\n')[0]!);
      });
      writerProcess.once('exit', (code) => reject(new Error(`the writer process exited (${code}) before measuring`)));
    });
    const readerOutput = execFileSync(process.execPath, args('reader'), { encoding: 'utf8', timeout: 120_000 });
    return { writer: memoryOf(writerLine), reader: memoryOf(readerOutput.trim().split('\n').at(-1)!) };
  } finally {
    writerProcess.stdin.end();
    await new Promise((resolve) => writerProcess.once('exit', resolve));
  }
}

/** Every file the history keeps in its folder, in MB. */
function diskMb(directory: string): number {
  return readdirSync(directory).reduce((sum, name) => sum + statSync(join(directory, name)).size, 0) / 1e6;
}

function time(task: () => void): number {
  const start = process.hrtime.bigint();
  task();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function timeAsync(task: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await task();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The steady state after a year: 7 d raw, 48 h minute, 90 d hour and a year of day rollups. */
async function buildYear(directory: string): Promise<{ rows: number; buildMs: number }> {
  const sql = await loadSqlJs();
  const db = new sql.Database();
  migrate(db);
  const start = Date.now();
  let rows = 0;
  let sequence = 0;
  db.exec('BEGIN');
  const targetInsert = db.prepare('INSERT INTO targets (tid, id, url, name, first_seen_at) VALUES (?, ?, ?, ?, ?)');
  for (let tid = 1; tid <= TARGETS; tid++)
    targetInsert.run([tid, `t${tid}`, `https://service-t${tid}.test/health`, `Service ${tid}`, YEAR_END - 365 * DAY]);
  targetInsert.free();
  db.run("INSERT INTO endpoints (eid, address, location) VALUES (1, '192.0.2.10', ?)", [JSON.stringify(check('x', 0).location)]);
  const raw = db.prepare('INSERT INTO checks VALUES (?, ?, ?, ?, NULL, 200, ?, 1200, 5100, 9300, ?, 400, ?, 1, NULL, NULL)');
  for (let at = YEAR_END - 7 * DAY; at < YEAR_END; at += INTERVAL_MS) {
    for (let tid = 1; tid <= TARGETS; tid++) {
      const total = latencyUs();
      raw.run([++sequence, tid, at + tid * 10, random() < 0.01 ? 2 : 0, total, total - 16_000, Math.floor(random() * 10_000)]);
      rows++;
    }
  }
  raw.free();
  const keep = [2 * DAY, 90 * DAY, 365 * DAY];
  ROLLUP_LEVELS.forEach((level, index) => {
    const insert = db.prepare(`INSERT INTO ${level.table} VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)`);
    const checksPerBucket = level.widthMs / INTERVAL_MS;
    for (let bucket = Math.floor((YEAR_END - keep[index]!) / level.widthMs); bucket < YEAR_END / level.widthMs; bucket++) {
      for (let tid = 1; tid <= TARGETS; tid++) {
        const histogram = new LatencyHistogram();
        let min = Infinity;
        let max = 0;
        let sum = 0;
        for (let i = 0; i < checksPerBucket; i++) {
          const us = latencyUs();
          histogram.add(us / 1000);
          min = Math.min(min, us);
          max = Math.max(max, us);
          sum += us;
        }
        const n = checksPerBucket;
        insert.run([
          tid,
          bucket,
          n,
          n,
          0,
          min,
          max,
          sum,
          1200 * n,
          5100 * n,
          9300 * n,
          sum - 16_000 * n,
          400 * n,
          Math.floor(random() * 10_000),
          histogram.encode(),
        ]);
        rows++;
      }
    }
    insert.free();
  });
  db.run("INSERT INTO meta (key, value) VALUES ('last_seq', ?)", [sequence]);
  db.exec('COMMIT');
  writeFileSync(join(directory, SNAPSHOT_FILE), await encodeSnapshot(db.export()));
  db.close();
  return { rows, buildMs: Date.now() - start };
}

/** Per-check cost of `append` (database + journal line) and of the journal flush, over `count` checks. */
async function journalCostUs(store: SqlJsHistoryStore, count: number, startAt: number): Promise<{ appendUs: number; flushUs: number }> {
  let appendMs = 0;
  let flushMs = 0;
  for (let batch = 0; batch < count / 100; batch++) {
    appendMs += time(() => {
      for (let i = batch * 100; i < (batch + 1) * 100; i++) store.append(check(`t${(i % TARGETS) + 1}`, startAt + i * 600));
    });
    flushMs += await timeAsync(() => store.flush());
  }
  return { appendUs: (appendMs * 1000) / count, flushUs: (flushMs * 1000) / count };
}

void (async () => {
  const directory = mkdtempSync(join(tmpdir(), 'nm-bench-store-'));
  const small = mkdtempSync(join(tmpdir(), 'nm-bench-small-'));
  try {
    // Baseline: a bare sql.js INSERT of the same row, no journal, no rollups.
    const sql = await loadSqlJs();
    const bare = new sql.Database();
    bare.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;');
    migrate(bare);
    const insert = bare.prepare(
      'INSERT INTO checks VALUES (?, 1, ?, 0, NULL, 200, 50000, 1200, 5100, 9300, 30000, 400, 5000, 1, NULL, NULL)',
    );
    const N = 20_000;
    const bareMs = time(() => {
      for (let i = 1; i <= N; i++) insert.run([i, YEAR_END + i]);
    });
    insert.free();
    bare.close();

    const ingestStore = await SqlJsHistoryStore.open({ directory: small, now: () => YEAR_END });
    const checks = Array.from({ length: N }, (_, i) => check(`t${(i % TARGETS) + 1}`, YEAR_END - DAY + i * 600));
    const ingestMs = time(() => {
      for (const c of checks) ingestStore.append(c);
    });
    const firstFlushMs = await timeAsync(() => ingestStore.flush());
    console.log(
      `ingest: ${Math.round(N / (ingestMs / 1000))} appends/s (${((ingestMs * 1000) / N).toFixed(1)} us each; bare sql.js insert ${((bareMs * 1000) / N).toFixed(1)} us, ratio ${(ingestMs / bareMs).toFixed(1)}x); journal flush of ${N} checks ${firstFlushMs.toFixed(0)} ms`,
    );
    const smallCost = await journalCostUs(ingestStore, 5000, YEAR_END);

    const { rows, buildMs } = await buildYear(directory);
    console.log(
      `simulated year: ${TARGETS} targets every ${INTERVAL_MS / 1000} s, ${rows.toLocaleString('en')} rows kept under default retention (built in ${(buildMs / 1000).toFixed(1)} s)`,
    );
    // The year is built as plain rows, as an older version kept it; the first open packs its
    // sealed spans once, as it does for a user's existing history after an update.
    const packMs = await timeAsync(async () => {
      const first = await SqlJsHistoryStore.open({ directory, now: () => YEAR_END, snapshotIntervalMs: 3_600_000 });
      await first.whenPacked();
      await first.snapshot();
      await first.dispose();
    });
    console.log(`  first open of the plain rows packs the sealed spans, in steps of 20,000 rows: ${(packMs / 1000).toFixed(1)} s, once`);
    let store: SqlJsHistoryStore | undefined;
    const openMs = await timeAsync(async () => {
      store = await SqlJsHistoryStore.open({ directory, now: () => YEAR_END, snapshotIntervalMs: 3_600_000 });
    });
    const year = store!;
    const snapshotMs = await timeAsync(() => year.snapshot());
    const fileBytes = statSync(join(directory, SNAPSHOT_FILE)).size;
    const memoryBytes = process.memoryUsage().arrayBuffers;
    console.log(
      `  on disk: ${(fileBytes / 1e6).toFixed(1)} MB (target < 50 MB); open (gunzip + integrity check) ${openMs.toFixed(0)} ms; snapshot (export + gzip + fsync + rename) ${snapshotMs.toFixed(0)} ms; array buffers in memory ${(memoryBytes / 1e6).toFixed(0)} MB`,
    );

    const chart: number[] = [];
    const week: number[] = [];
    const uptimeYear: number[] = [];
    for (let i = 0; i < 15; i++) {
      const target = `t${(i % TARGETS) + 1}`;
      chart.push(time(() => void year.series(target, { from: YEAR_END - 30 * DAY, to: YEAR_END, maxPoints: 300 })));
      week.push(time(() => void year.series(target, { from: YEAR_END - 7 * DAY, to: YEAR_END, maxPoints: 300 })));
      uptimeYear.push(time(() => void year.uptime(target, YEAR_END - 365 * DAY - 3_600_000 * 5.5, YEAR_END)));
    }
    const rawScan = time(() => void year.exportRange(['t1'], { from: YEAR_END - 7 * DAY, to: YEAR_END }, 'json'));
    const series30 = year.series('t1', { from: YEAR_END - 30 * DAY, to: YEAR_END, maxPoints: 300 });
    console.log(
      `  30-day chart query: median ${median(chart).toFixed(1)} ms (target < 50 ms; ${series30.points.length} points from ${series30.source} rollups); 7-day chart ${median(week).toFixed(1)} ms; 1-year uptime ${median(uptimeYear).toFixed(1)} ms`,
    );
    console.log(
      `  baseline: exporting one target's 7 days of raw rows ${rawScan.toFixed(0)} ms (chart/export ratio ${(median(chart) / rawScan).toFixed(3)})`,
    );

    const largeCost = await journalCostUs(year, 5000, YEAR_END + 1000);
    console.log(
      `journal write + fdatasync per check: ${smallCost.flushUs.toFixed(1)} us on a ${N.toLocaleString('en')}-check database, ${largeCost.flushUs.toFixed(1)} us on the year database; ratio ${(largeCost.flushUs / smallCost.flushUs).toFixed(2)} (1.0 = independent of size)`,
    );
    console.log(
      `append (in-memory insert + rollups + journal line) per check: ${smallCost.appendUs.toFixed(1)} us small, ${largeCost.appendUs.toFixed(1)} us year; ratio ${(largeCost.appendUs / smallCost.appendUs).toFixed(2)} (B-tree depth and cache misses)`,
    );
    await ingestStore.dispose();
    await year.dispose();

    // Memory of each kind of window in a process of its own, against the targets: a reading window
    // does not open the history, it asks the checking window.
    const { writer, reader } = await windowMemoryMb(directory);
    console.log(
      `store memory: writer ${writer.heldMb.toFixed(0)} MB, reader ${reader.heldMb.toFixed(0)} MB; disk ${diskMb(directory).toFixed(0)} MB (targets: writer 64, reader 16, disk 25)`,
    );
    console.log(
      `  resident set of the whole process (Node itself and SQLite's WebAssembly memory included): writer ${writer.residentMb.toFixed(0)} MB, reader ${reader.residentMb.toFixed(0)} MB`,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
    rmSync(small, { recursive: true, force: true });
  }
})();
