/**
 * Per-target statistics over a window, computed from the store in short slices and kept for a
 * while. sql.js is synchronous and runs on the extension host's only thread: 200 targets take a
 * few hundred milliseconds of queries, which done in one go would freeze every other extension.
 * Sliced, the thread is given back every few milliseconds; cached, a dashboard or a Prometheus
 * polling the API costs one computation per window per few seconds, not one per request.
 */
import { performance } from 'node:perf_hooks';
import type { HistoryReader, LatencyStats, TimeRange } from '../store/historyStore';
import type { ApiDataSource } from './apiDataSource';
import { ApiError } from './apiErrors';
import { WINDOWS, type WindowName } from './queryParams';

export interface TargetWindowStats {
  uptime: number | null;
  /** Absent when only uptime was asked for. */
  latency?: LatencyStats;
  anomalies: number;
}

export type StatsDepth = 'uptime' | 'full';

/** How long computed statistics are reused; the longer the window, the less a few seconds move it. */
export const DEFAULT_STATS_CACHE_MS: Readonly<Record<WindowName, number>> = { '1h': 5_000, '24h': 15_000, '7d': 60_000, '30d': 60_000 };

const SLICE_MS = 8;

/** Runs `work` for each item, one after the other, yielding to the event loop whenever a slice has used `SLICE_MS`. */
export async function forEachSliced<T>(items: readonly T[], work: (item: T) => void | Promise<void>): Promise<void> {
  let sliceStart = performance.now();
  for (const item of items) {
    await work(item);
    if (performance.now() - sliceStart >= SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

interface Entry {
  at: number;
  depth: StatsDepth;
  stats: Map<string, TargetWindowStats>;
}

export class WindowStatsCache {
  private readonly entries = new Map<WindowName, Entry>();
  private readonly inFlight = new Map<string, Promise<Map<string, TargetWindowStats>>>();
  private readonly ttlMs: Record<WindowName, number>;
  private generation = 0;

  constructor(
    private readonly source: ApiDataSource,
    ttlMs: Partial<Record<WindowName, number>> = {},
  ) {
    this.ttlMs = { ...DEFAULT_STATS_CACHE_MS, ...ttlMs };
  }

  /** Statistics of every configured target over the window ending now. */
  get(window: WindowName, depth: StatsDepth): Promise<Map<string, TargetWindowStats>> {
    const now = this.source.now();
    const entry = this.entries.get(window);
    const fresh = entry !== undefined && now >= entry.at && now - entry.at < this.ttlMs[window];
    // A target added since then has no figures yet: compute them instead of showing nulls.
    if (fresh && (entry.depth === 'full' || depth === 'uptime') && this.source.targets().every((target) => entry.stats.has(target.id))) {
      return Promise.resolve(entry.stats);
    }
    const key = `${window}:${depth}`;
    let running = this.inFlight.get(key);
    if (!running) {
      const generation = this.generation;
      running = computeStats(this.source, { from: now - WINDOWS[window], to: now }, depth).then((stats) => {
        const current = this.entries.get(window);
        const wouldDowngrade = current?.depth === 'full' && depth === 'uptime' && current.at >= now;
        // Figures begun before a clear() may predate the change that caused it: use, don't keep.
        if (generation === this.generation && this.ttlMs[window] > 0 && !wouldDowngrade)
          this.entries.set(window, { at: now, depth, stats });
        return stats;
      });
      const settled = running.finally(() => {
        if (this.inFlight.get(key) === running) this.inFlight.delete(key);
      });
      settled.catch(() => undefined);
      this.inFlight.set(key, running);
    }
    return running;
  }

  /** Forgets every figure, e.g. after a check-now, so the next request sees the new check. */
  clear(): void {
    this.generation++;
    this.entries.clear();
    this.inFlight.clear();
  }
}

/** Statistics of every configured target over any range, computed in slices. */
export async function computeStats(source: ApiDataSource, range: TimeRange, depth: StatsDepth): Promise<Map<string, TargetWindowStats>> {
  const stats = new Map<string, TargetWindowStats>();
  const history = source.history();
  if (!history) return stats;
  const anomalies = new Map<string, number>();
  if (depth === 'full') {
    for (const hit of await history.anomalies(range, source.anomalyThreshold(), Number.MAX_SAFE_INTEGER)) {
      anomalies.set(hit.targetId, (anomalies.get(hit.targetId) ?? 0) + 1);
    }
  }
  try {
    await forEachSliced(source.targets(), async (target) => {
      const current = currentHistory(source, history);
      const uptime = await current.uptime(target.id, range.from, range.to);
      const latency = depth === 'full' ? await current.latencyStats(target.id, range) : undefined;
      stats.set(target.id, { uptime, latency, anomalies: anomalies.get(target.id) ?? 0 });
    });
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('unavailable', `The history changed while the statistics were computed (${(error as Error).message}). Try again.`, {
      'Retry-After': '1',
    });
  }
  return stats;
}

/** The store may be swapped (reopened read-only, or for writing) between two slices. */
function currentHistory(source: ApiDataSource, started: HistoryReader): HistoryReader {
  const current = source.history();
  if (current !== started)
    throw new ApiError('unavailable', 'The history was reopened while the statistics were computed. Try again.', { 'Retry-After': '1' });
  return current;
}
