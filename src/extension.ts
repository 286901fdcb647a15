/**
 * The composition root: builds the services in order and registers one disposable that tears them
 * down in reverse. activate() only wires objects together; the settings are read, the WebAssembly
 * loaded, the history opened and probing started after it has returned.
 */
import { join } from 'node:path';
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { ActivationTimings, startAfterActivation } from './vscode/activation/deferredStart';
import { disposeInReverse } from './vscode/activation/teardown';
import type { ApiController } from './vscode/api/apiController';
import { createMonitorApi } from './vscode/api/monitorApi';
import { registerCommands } from './vscode/commands/monitorCommands';
import { SecretCommands } from './vscode/commands/secretCommands';
import { EntryApprovals } from './vscode/config/entryApprovals';
import { MonitorSettings } from './vscode/config/monitorSettings';
import { ProxyConfiguration } from './vscode/config/proxyConfiguration';
import { secretLookupFrom, TargetConfiguration } from './vscode/config/targetConfiguration';
import { DASHBOARD_VIEW_TYPE, DashboardPanel, DashboardSerializer } from './vscode/dashboard/dashboardPanel';
import { MonitorDashboardSource } from './vscode/monitor/monitorDashboardSource';
import { MonitorService } from './vscode/monitor/monitorService';
import { MuteList } from './vscode/notifications/muteList';
import { AlertChannelController } from './vscode/notifications/alertChannelController';
import { NotificationController } from './vscode/notifications/notificationController';
import { reportStoreProblem, reportTargetProblem, reportUnreadableTargets } from './vscode/notifications/problemReports';
import { StatusBarController } from './vscode/statusBar/statusBarController';
import { TARGETS_VIEW_ID, TargetTreeProvider } from './vscode/tree/targetTreeProvider';
import { TargetAddresses } from './vscode/hover/targetAddresses';
import { WorkspaceSuggestions } from './vscode/suggestions/workspaceSuggestions';
import { ownArguments } from './vscode/commands/commandArguments';
import { editorMessageLog } from './vscode/notifications/editorMessages';

/**
 * What activate() returns when the extension runs under test or from its sources: the services,
 * for the end-to-end suites. An installed extension returns nothing, because any other extension
 * can read `exports`, and the targets hold header values resolved from Secret Storage.
 */
export interface NetworkMonitorApi {
  settings: MonitorSettings;
  targets: TargetConfiguration;
  monitor: MonitorService;
  tree: TargetTreeProvider;
  statusBar: StatusBarController;
  notifications: NotificationController;
  alertChannels: AlertChannelController;
  mutes: MuteList;
  /** The optional local HTTP API of this window. */
  api: ApiController;
  /** Resolves once the targets are read and this window is checking them or showing another's checks. */
  ready: Promise<void>;
  /** Milliseconds spent in activate() itself, and from its start until monitoring was running. */
  timings: { activateMs: number; readyMs: number | undefined };
  /** Marks command arguments as Network Monitor's own, so the commands that change secrets, channels, settings or files take them. */
  ownArguments: typeof ownArguments;
  /** The last messages this window handed to the editor, exactly as handed. */
  editorMessages: typeof editorMessageLog;
}

let shutdown: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): NetworkMonitorApi | undefined {
  const timings = new ActivationTimings();
  // Text built in src/shared translates with @vscode/l10n: hand it the editor's bundle (none in English).
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
  const log = vscode.window.createOutputChannel('Network Monitor', { log: true });
  const settings = new MonitorSettings();
  const mutes = new MuteList(context.globalState);
  const proxy = new ProxyConfiguration(context.secrets, log);
  const approvals = new EntryApprovals(context.globalState);
  const monitor = new MonitorService({
    storageDirectory: context.globalStorageUri.fsPath,
    wasmPath: join(context.extensionPath, 'dist', 'sql-wasm.wasm'),
    geoDatabasePath: join(context.extensionPath, 'dist', 'geo-whois-asn-country.mmdb'),
    settings,
    log,
    // The writer checks other windows' targets too; their secret references resolve from the shared store.
    secretLookup: secretLookupFrom(context.secrets),
    approvedEntries: approvals.approved,
    proxy: proxy.current,
    // VS Code's own setting (on by default), read as an application setting: the user's value only.
    systemCertificates: () => vscode.workspace.getConfiguration('http').inspect<boolean>('systemCertificates')?.globalValue !== false,
    onStoreProblem: (problem) => reportStoreProblem(problem, log),
  });
  const targets = new TargetConfiguration(
    settings,
    context.secrets,
    approvals,
    (problem) => reportTargetProblem(problem, log, approvals, targets),
    (error) => reportUnreadableTargets(error, log),
  );
  const targetsSubscription = targets.onDidChange((list) => monitor.setTargets(list));
  const tree = new TargetTreeProvider(monitor, mutes, targets);
  const treeView = vscode.window.createTreeView(TARGETS_VIEW_ID, { treeDataProvider: tree });
  const addresses = new TargetAddresses(monitor);
  const statusBar = new StatusBarController(monitor, settings);
  const notifications = new NotificationController(monitor, settings, mutes);
  const alertChannels = new AlertChannelController(monitor, context.secrets, mutes, log, proxy.current);
  const dashboardSource = new MonitorDashboardSource(monitor);
  const dashboard = new DashboardPanel(context.extensionUri, dashboardSource, log);
  const serializer = vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, new DashboardSerializer(dashboard));
  const api = createMonitorApi(monitor, settings, context.secrets, log);
  const ready = startAfterActivation({ proxy, targets, alertChannels, monitor, api, log }, timings);
  const secretCommands = new SecretCommands(context.secrets, context.globalState, targets, log);
  const services = { settings, targets, monitor, tree, statusBar, notifications, alertChannels, mutes, api };
  const commands = registerCommands({ ...services, log, dashboard, dashboardSource, secretCommands, proxy, approvals, started: ready });
  const suggestions = new WorkspaceSuggestions({ tree, monitor, targets, secretCommands, log, started: ready });

  // In the order built; torn down in reverse (the monitor flushes the history on its way out).
  const owned: { dispose(): unknown }[] = [log, settings, mutes, proxy, approvals, monitor, targets, targetsSubscription, tree, treeView];
  owned.push(addresses, statusBar, notifications, alertChannels, dashboard, serializer, { dispose: () => api.stop() }, ...commands);
  owned.push(suggestions);
  shutdown = disposeInReverse(owned, log);
  context.subscriptions.push({ dispose: () => void shutdown?.() });

  timings.activated();
  if (context.extensionMode === vscode.ExtensionMode.Production) return undefined;
  return { ...services, ready, timings, ownArguments, editorMessages: editorMessageLog };
}

/** Stops checking and writes the history to disk before the extension host exits. */
export async function deactivate(): Promise<void> {
  await shutdown?.();
  shutdown = undefined;
}
