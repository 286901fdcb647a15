/**
 * What hovering an address costs before the history is asked: finding the address under the
 * cursor (urlsInText.ts) and looking it up among 1,000 targets, on a usual line and on a 1 MB
 * minified one, against the cheapest lookup there is (a Map.get of the exact string) in the same
 * run; and rebuilding the index, which happens once after the targets change.
 */
import { performance } from 'node:perf_hooks';
import { TargetUrlIndex, urlAt } from '../src/core/targets/urlsInText';

const TARGETS = 1000;
const HOVERS = 20_000;
const targets = Array.from({ length: TARGETS }, (_, i) => ({ id: `t${i}`, url: `https://service-${i}.example.com/health` }));
const index = new TargetUrlIndex();
const rebuildStarted = performance.now();
index.rebuild(targets);
const rebuildMs = performance.now() - rebuildStarted;
const exact = new Map(targets.map((target) => [target.url, target.id]));

function percentiles(samples: number[]): { p50: number; p95: number } {
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length * 0.5)]!, p95: samples[Math.floor(samples.length * 0.95)]! };
}

function measure(lines: readonly string[], hover: (line: string, column: number) => unknown): { p50: number; p95: number } {
  const samples: number[] = [];
  for (let i = 0; i < HOVERS; i++) {
    const line = lines[i % lines.length]!;
    const column = line.indexOf('service-') + 3;
    const started = performance.now();
    hover(line, column);
    samples.push(performance.now() - started);
  }
  return percentiles(samples);
}

const usualLines = targets.map(
  (_, i) => `- The [status page](https://service-${i}.Example.com:443/health#now) of service ${i}, see also the README.`,
);
const minified = `${'var a=1;'.repeat(131_072)}fetch("https://service-7.example.com/health").then(r=>r.json());${'b();'.repeat(1000)}`;

let found = 0;
const ours = (line: string, column: number) => {
  const address = urlAt(line, column);
  if (address && index.targetFor(address.key)) found++;
};
const baseline = (line: string, column: number) => exact.get(line.slice(column - 11, column + 26));

for (const [name, lines] of [
  ['usual line (100 characters)', usualLines],
  ['minified line (1 MB)', [minified]],
] as const) {
  measure(lines, ours);
  measure(lines, baseline);
  const hover = measure(lines, ours);
  const cheapest = measure(lines, baseline);
  console.log(
    `${name.padEnd(30)} hover match p50 ${(hover.p50 * 1000).toFixed(1)} us, p95 ${(hover.p95 * 1000).toFixed(1)} us (budget 5 ms); ` +
      `Map.get of the exact string p95 ${(cheapest.p95 * 1000).toFixed(2)} us; ratio p95 ${(hover.p95 / Math.max(cheapest.p95, 1e-6)).toFixed(0)}x`,
  );
}
console.log(`index of ${TARGETS} targets rebuilt in ${rebuildMs.toFixed(1)} ms (once after the targets change); ${found} hovers matched`);
