/**
 * The extension under test, as the in-host suites reach it: activated, with monitoring started
 * (or failed to start) in this window.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { NetworkMonitorApi } from '../../../src/extension';

export const EXTENSION_ID = 'network-monitor.network-monitor';

/** The services the extension returns under test, once its start has settled. */
export async function networkMonitor(): Promise<NetworkMonitorApi> {
  const extension = vscode.extensions.getExtension<NetworkMonitorApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not loaded.`);
  const exports = await extension.activate();
  await exports.ready;
  return exports;
}
