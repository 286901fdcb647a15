/**
 * The dashboard's series carry the named unusual phases of the window's anomalous checks, read from
 * a real history file: after a reload (or in a reading window) the chart's tooltip still names them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readerOf } from '../../../src/core/store/historyStore';
import { SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { MonitorDashboardSource } from '../../../src/vscode/monitor/monitorDashboardSource';
import type { MonitorService } from '../../../src/vscode/monitor/monitorService';
import { makeCheck, tempDirectory } from '../store/storeTestSupport';

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const MINUTE = 60_000;

test("a series holds the named phases of its target's anomalous checks in the window, and no other's", async (t) => {
  const store = await SqlJsHistoryStore.open({ directory: tempDirectory(t), now: () => NOW });
  t.after(() => store.dispose());
  store.append(
    makeCheck({ targetId: 'a', startedAt: NOW - 2 * 60 * MINUTE, anomalyScore: 0.9, unusualPhase: { phase: 'dns', factor: 3 } }),
  );
  store.append(makeCheck({ targetId: 'a', startedAt: NOW - 20 * MINUTE, anomalyScore: 0.9, unusualPhase: { phase: 'tls', factor: 2.5 } }));
  store.append(makeCheck({ targetId: 'a', startedAt: NOW - 10 * MINUTE, anomalyScore: 0.2 }));
  store.append(
    makeCheck({ targetId: 'b', startedAt: NOW - 5 * MINUTE, anomalyScore: 0.9, unusualPhase: { phase: 'transfer', factor: 4 } }),
  );
  // What the source reads of the monitor: its history and its threshold.
  const monitor = { history: readerOf(store), anomalyThreshold: 0.5 } as unknown as MonitorService;
  const series = await new MonitorDashboardSource(monitor).series('a', '1h', 300, NOW);
  assert.deepEqual(series.unusualPhases, [{ t: NOW - 20 * MINUTE, phase: 'tls', factor: 2.5 }]);
  assert.deepEqual(series.anomalies.filter((count) => count > 0).length, 1, 'its point is flagged');
});
