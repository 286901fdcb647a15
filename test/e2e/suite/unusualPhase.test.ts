/**
 * The Targets tooltip names the phase that made the target's last anomaly unusual, in a real
 * extension host (real MarkdownString, real l10n): the anomaly comes from a real history file in a
 * temp folder, read through the same summary the tree asks for. A file whose phase is not one of
 * ours gives the anomaly without a sentence, and no link.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { readerOf } from '../../../src/core/store/historyStore';
import { SqlJsHistoryStore } from '../../../src/core/store/sqlJsHistoryStore';
import { resolveTarget } from '../../../src/core/targets/target';
import type { CheckRecord } from '../../../src/core/store/checkRecord';
import { stateFromLastCheck, type TargetSnapshot } from '../../../src/vscode/monitor/monitorService';
import { readHistorySummary, TargetNode } from '../../../src/vscode/tree/targetNodes';

const URL = 'https://127.0.0.1:9/health';

function anomalousCheck(startedAt: number, unusualPhase: unknown): CheckRecord {
  return {
    targetId: 'phased',
    target: URL,
    startedAt,
    status: 'UP',
    reason: null,
    message: 'HTTP 200 in 84 ms.',
    statusCode: 200,
    totalMs: 84,
    phases: { dns: 2, connect: 1, tls: 40, firstByte: 40, transfer: 1 },
    tls: null,
    addresses: ['127.0.0.1'],
    anomalyScore: 0.9,
    location: null,
    unusualPhase: unusualPhase as CheckRecord['unusualPhase'],
  };
}

async function tooltipWith(unusualPhase: unknown): Promise<string> {
  const directory = mkdtempSync(join(tmpdir(), 'nm-phase-'));
  const now = Date.now();
  const store = await SqlJsHistoryStore.open({ directory });
  try {
    store.append(anomalousCheck(now - 60_000, unusualPhase));
    const summary = await readHistorySummary(readerOf(store), 'phased', 0.5, now);
    assert.ok(summary.lastAnomaly, 'the history gave the last anomaly');
    const resolved = resolveTarget({ url: URL, id: 'phased', name: 'Phased API' });
    if (!resolved.ok) throw new Error(resolved.error);
    const lastRecord = anomalousCheck(now - 60_000, undefined);
    const snapshot: TargetSnapshot = {
      ...stateFromLastCheck('phased', lastRecord),
      configured: { target: resolved.value, entry: URL, origin: { level: 'user', index: 0 } },
      lastRecord,
    };
    const node = new TargetNode(snapshot, { isMuted: () => false, anomalyThreshold: () => 0.5, readOnly: () => false }, summary);
    // appendText escapes markup and keeps spaces as &nbsp;: read the words as the hover shows them.
    return (node.toTreeItem().tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\/g, '');
  } finally {
    await store.dispose();
    rmSync(directory, { recursive: true, force: true });
  }
}

describe('The unusual phase in the Targets tooltip', () => {
  it("names the phase of the target's last anomaly", async () => {
    const tooltip = await tooltipWith({ phase: 'tls', factor: 2.34 });
    assert.match(tooltip, /Last anomaly/);
    assert.match(tooltip, /The TLS handshake took 2\.3 times its usual share of the check\./, tooltip);
  });

  it('shows no sentence and no link for a phase that is not ours', async () => {
    const tooltip = await tooltipWith({ phase: '[open](command:workbench.action.terminal.new)', factor: 2 });
    assert.match(tooltip, /Last anomaly/);
    assert.doesNotMatch(tooltip, /usual share/);
    assert.doesNotMatch(tooltip, /command:workbench/);
  });
});
