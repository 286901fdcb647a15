/**
 * Registers every command. Each runs through `commandRegistrar` (commandRunner.ts), so a failure is
 * logged and shown, never swallowed.
 */
import * as vscode from 'vscode';
import type { ApiController } from '../api/apiController';
import type { TargetEntryObject } from '../../core/targets/target';
import { RANGE_MS, type ReportRow, type TimeRange } from '../../shared/dashboardProtocol';
import type { DashboardPanel } from '../dashboard/dashboardPanel';
import type { MonitorSettings } from '../config/monitorSettings';
import type { SaveLevel, TargetConfiguration } from '../config/targetConfiguration';
import { compactEntry } from '../config/targetEntries';
import { formatLatency, formatUptime } from '../format/monitorText';
import type { MonitorDashboardSource } from '../monitor/monitorDashboardSource';
import type { MonitorService } from '../monitor/monitorService';
import type { MuteList } from '../notifications/muteList';
import { CommandId } from './commandIds';
import { commandRegistrar } from './commandRunner';
import { askForTarget, checkInterval, checkTargetUrl } from './targetInput';
import type { SecretCommands, StoreSecretArguments } from './secretCommands';
import type { ProxyConfiguration } from '../config/proxyConfiguration';
import type { AddAlertChannelArguments, AlertChannelController } from '../notifications/alertChannelController';
import { importTargetsCommand, type ImportTargetsArguments } from './importCommand';
import { targetIdFrom, targetName, targetPickItem, type TargetArgument } from './targetPicker';

export interface CommandServices {
  log: vscode.LogOutputChannel;
  settings: MonitorSettings;
  targets: TargetConfiguration;
  monitor: MonitorService;
  mutes: MuteList;
  dashboard: DashboardPanel;
  dashboardSource: MonitorDashboardSource;
  /** Store, manage and delete the secrets header references use. */
  secretCommands: SecretCommands;
  /** Owns the API token (made on first use, kept in SecretStorage) and the server. */
  api: ApiController;
  /** The proxy the checks go through, and its credentials in Secret Storage. */
  proxy: ProxyConfiguration;
  /** Where alerts are posted besides the editor. */
  alertChannels: AlertChannelController;
}

/** Arguments for adding a target without the interactive steps (other extensions, tests). */
export interface AddTargetArguments {
  url: string;
  name?: string;
  interval?: number;
  level?: SaveLevel;
}

export interface EditTargetChanges {
  url?: string;
  name?: string;
  interval?: number;
}

export function registerCommands(services: CommandServices): vscode.Disposable[] {
  const { log, settings, targets, monitor, mutes, dashboard, dashboardSource, secretCommands, api, proxy, alertChannels } = services;

  const register = commandRegistrar(log);

  const nameOf = (targetId: string): string => targetName(targets, targetId);

  async function addTarget(args?: AddTargetArguments): Promise<string | undefined> {
    let values: { url: string; name?: string; interval?: number; level: SaveLevel } | undefined;
    if (args && typeof args.url === 'string') {
      const check = checkTargetUrl(args.url, targets.targets);
      if (check.severity === 'error') throw new Error(check.message);
      if (args.interval !== undefined && checkInterval(String(args.interval))) throw new Error(checkInterval(String(args.interval)));
      values = { url: args.url.trim(), name: args.name, interval: args.interval, level: args.level ?? 'user' };
    } else {
      values = await askForTarget({
        title: vscode.l10n.t('Add Target'),
        existing: targets.targets,
        defaultIntervalSeconds: settings.values.defaults.intervalSeconds,
        canSaveToWorkspace: targets.hasWorkspace,
      });
    }
    if (!values) return undefined;
    const check = checkTargetUrl(values.url, targets.targets);
    const url = check.severity === 'error' ? values.url : (check.url ?? values.url);
    await targets.add(compactEntry({ url, name: values.name, interval: values.interval }), values.level);
    const added = targets.targets.find((configured) => configured.target.url === url);
    log.info(`Added ${added?.target.name ?? url} to ${values.level === 'user' ? 'user' : 'workspace'} settings.`);
    return added?.target.id;
  }

  async function editTarget(argument: TargetArgument, changes?: EditTargetChanges): Promise<string | undefined> {
    const id = await targetIdFrom(argument, monitor, vscode.l10n.t('Which target do you want to edit?'));
    if (!id) return undefined;
    const configured = targets.find(id);
    if (!configured) throw new Error(vscode.l10n.t('That target is no longer in the settings.'));
    const entry = typeof configured.entry === 'string' ? { url: configured.entry } : configured.entry;
    let next: EditTargetChanges | undefined = changes;
    if (!next) {
      const asked = await askForTarget({
        title: vscode.l10n.t('Edit Target: {0}', configured.target.name),
        existing: targets.targets,
        defaultIntervalSeconds: settings.values.defaults.intervalSeconds,
        canSaveToWorkspace: false,
        editing: {
          targetId: id,
          url: entry.url,
          name: entry.name,
          interval: entry.interval,
          level: configured.origin.level === 'user' ? 'user' : 'workspace',
        },
      });
      if (!asked) return undefined;
      next = { url: asked.url, name: asked.name ?? '', interval: asked.interval ?? 0 };
    }
    if (next.url !== undefined) {
      const check = checkTargetUrl(next.url, targets.targets, id);
      if (check.severity === 'error') throw new Error(check.message);
      next.url = check.url ?? next.url;
    }
    const update = next;
    await targets.update(id, (current: TargetEntryObject) => ({
      ...current,
      ...(update.url !== undefined ? { url: update.url } : {}),
      // An empty name or a 0 interval from the steps means "use the default": drop the field.
      ...(update.name !== undefined ? { name: update.name.trim() || undefined } : {}),
      ...(update.interval !== undefined ? { interval: update.interval > 0 ? update.interval : undefined } : {}),
    }));
    log.info(`Edited ${configured.target.name}.`);
    // The id follows the URL unless the entry names one.
    return targets.targets.find(
      (candidate) => candidate.origin.level === configured.origin.level && candidate.origin.index === configured.origin.index,
    )?.target.id;
  }

  async function removeTarget(argument: TargetArgument, options?: { confirm?: boolean }): Promise<boolean> {
    const id = await targetIdFrom(argument, monitor, vscode.l10n.t('Which target do you want to remove?'));
    if (!id) return false;
    const name = nameOf(id);
    if (options?.confirm !== false) {
      const remove = vscode.l10n.t('Remove');
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('Remove {0} from Network Monitor?', name),
        { modal: true, detail: vscode.l10n.t('It is no longer checked. Its history stays until the retention period ends.') },
        remove,
      );
      if (choice !== remove) return false;
    }
    await targets.remove(id);
    await mutes.setMuted(id, false);
    log.info(`Removed ${name}.`);
    return true;
  }

  async function setPaused(argument: TargetArgument, paused: boolean): Promise<void> {
    const id = await targetIdFrom(
      argument,
      monitor,
      paused ? vscode.l10n.t('Which target do you want to pause?') : vscode.l10n.t('Which target do you want to resume?'),
      (snapshot) => (snapshot.status === 'PAUSED') !== paused,
    );
    if (!id) return;
    await targets.setPaused([id], paused);
    log.info(`${paused ? 'Paused' : 'Resumed'} ${nameOf(id)}.`);
  }

  /**
   * Snoozes a target: checked and recorded as maintenance, no alert, until a time. `until` is
   * minutes from now or an ISO date-time; without it, the user picks.
   */
  async function snoozeTarget(argument: TargetArgument, until?: number | string): Promise<void> {
    const id = await targetIdFrom(argument, monitor, vscode.l10n.t('Which target do you want to snooze?'));
    if (!id) return;
    let end: number | undefined =
      typeof until === 'number' ? Date.now() + until * 60_000 : typeof until === 'string' ? Date.parse(until) : undefined;
    if (until === undefined) end = await askSnoozeEnd();
    if (end === undefined) return;
    if (!Number.isFinite(end) || end <= Date.now()) throw new Error(vscode.l10n.t('A snooze must end in the future.'));
    const snoozeUntil = new Date(end).toISOString();
    await targets.update(id, (entry) => ({ ...entry, snoozeUntil }));
    log.info(`Snoozed ${nameOf(id)} until ${snoozeUntil}.`);
  }

  async function endSnooze(argument: TargetArgument): Promise<void> {
    const id = await targetIdFrom(
      argument,
      monitor,
      vscode.l10n.t('End the snooze of which target?'),
      (snapshot) => (snapshot.configured.target.quiet.snoozeUntil ?? 0) > Date.now(),
    );
    if (!id) return;
    await targets.update(id, (entry) => {
      const { snoozeUntil: _ended, ...rest } = entry;
      return rest;
    });
    log.info(`Ended the snooze of ${nameOf(id)}.`);
  }

  async function setAllPaused(paused: boolean): Promise<void> {
    await targets.setPaused(
      targets.targets.map((configured) => configured.target.id),
      paused,
    );
    log.info(paused ? 'Paused every target.' : 'Resumed every target.');
  }

  async function checkNow(argument: TargetArgument): Promise<void> {
    let ids: string[];
    if (argument === undefined) {
      const all = { label: `$(refresh) ${vscode.l10n.t('All targets')}`, targetId: '' };
      const items = [all, ...monitor.snapshots().map(targetPickItem)];
      if (items.length === 1) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No targets yet. Run "Network Monitor: Add Target" to add one.'));
        return;
      }
      const chosen = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Which target should be checked now?') });
      if (!chosen) return;
      ids = chosen === all ? monitor.targets.map((configured) => configured.target.id) : [chosen.targetId];
    } else {
      const id = await targetIdFrom(argument, monitor, '');
      if (!id) return;
      ids = [id];
    }
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Window,
        title: vscode.l10n.t('Checking {0}', ids.length === 1 ? nameOf(ids[0]!) : vscode.l10n.t('{0} targets', ids.length)),
      },
      async () => {
        const results = await Promise.all(ids.map((id) => monitor.checkNow(id)));
        if (ids.length === 1 && results[0]) {
          const result = results[0];
          vscode.window.setStatusBarMessage(
            `$(pulse) ${nameOf(ids[0]!)}: ${result.status} · ${result.status === 'DOWN' ? result.message : formatLatency(result.totalMs)}`,
            8_000,
          );
        }
      },
    );
  }

  async function pickRange(placeHolder: string): Promise<TimeRange | undefined> {
    const labels: Record<TimeRange, string> = {
      '1h': vscode.l10n.t('Last hour'),
      '24h': vscode.l10n.t('Last 24 hours'),
      '7d': vscode.l10n.t('Last 7 days'),
      '30d': vscode.l10n.t('Last 30 days'),
      '1y': vscode.l10n.t('Last year'),
    };
    const chosen = await vscode.window.showQuickPick(
      (Object.keys(labels) as TimeRange[]).map((range) => ({ label: labels[range], range })),
      { placeHolder },
    );
    return chosen?.range;
  }

  function reportMarkdown(rows: ReportRow[], range: TimeRange, now: number): string {
    const cell = (text: string): string => text.replace(/\|/g, '\\|');
    const lines = [
      `# ${vscode.l10n.t('Network Monitor report')}`,
      '',
      vscode.l10n.t(
        '{0} to {1}',
        new Date(now - RANGE_MS[range]).toLocaleString(vscode.env.language),
        new Date(now).toLocaleString(vscode.env.language),
      ),
      '',
      `| ${vscode.l10n.t('Target')} | ${vscode.l10n.t('Status')} | ${vscode.l10n.t('Availability')} | ${vscode.l10n.t('Average')} | p95 | ${vscode.l10n.t('Anomalies')} | ${vscode.l10n.t('Certificate')} | ${vscode.l10n.t('Location')} |`,
      '|---|---|---:|---:|---:|---:|---:|---|',
    ];
    for (const row of rows) {
      lines.push(
        `| ${cell(row.name)} | ${row.lastStatus} | ${row.availability === null ? '–' : formatUptime(row.availability)} | ${row.avgMs === null ? '–' : formatLatency(row.avgMs)} | ${row.p95Ms === null ? '–' : formatLatency(row.p95Ms)} | ${row.anomalies} | ${row.certDaysLeft === null ? '–' : vscode.l10n.t('{0} days', row.certDaysLeft)} | ${cell(row.location ?? '–')} |`,
      );
    }
    if (rows.length === 0) lines.push('', vscode.l10n.t('No targets yet.'));
    return `${lines.join('\n')}\n`;
  }

  async function showReport(range?: TimeRange): Promise<void> {
    const chosen = range ?? (await pickRange(vscode.l10n.t('Report on which period?')));
    if (!chosen) return;
    const now = Date.now();
    const rows = await dashboardSource.report(chosen, now);
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: reportMarkdown(rows, chosen, now) });
    await vscode.window.showTextDocument(document, { preview: false });
  }

  async function exportHistory(args?: {
    format: 'csv' | 'json';
    range: TimeRange;
    targetIds?: string[];
    file: vscode.Uri;
  }): Promise<vscode.Uri | undefined> {
    const history = monitor.history;
    if (!history)
      throw new Error(vscode.l10n.t('The history is not open yet (or could not be opened). Try again in a moment, or see the log.'));
    let format = args?.format;
    if (!format) {
      const picked = await vscode.window.showQuickPick(
        [
          { label: 'CSV', description: vscode.l10n.t('for spreadsheets'), format: 'csv' as const },
          { label: 'JSON', description: vscode.l10n.t('for scripts'), format: 'json' as const },
        ],
        { placeHolder: vscode.l10n.t('Export the history as…') },
      );
      if (!picked) return undefined;
      format = picked.format;
    }
    const range = args?.range ?? (await pickRange(vscode.l10n.t('Export which period?')));
    if (!range) return undefined;
    let targetIds = args?.targetIds;
    if (!args) {
      const all = { label: `$(list-flat) ${vscode.l10n.t('All targets')}`, targetId: '' };
      const picked = await vscode.window.showQuickPick([all, ...monitor.snapshots().map(targetPickItem)], {
        placeHolder: vscode.l10n.t('Export which targets?'),
      });
      if (!picked) return undefined;
      targetIds = picked === all ? undefined : [picked.targetId];
    }
    let file = args?.file;
    if (!file) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const name = `network-monitor-history-${range}.${format}`;
      file = await vscode.window.showSaveDialog({
        defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
        filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
        saveLabel: vscode.l10n.t('Export'),
      });
      if (!file) return undefined;
    }
    const now = Date.now();
    await monitor.flush();
    const content = history.exportRange(targetIds, { from: now - RANGE_MS[range], to: now + 1 }, format);
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(content));
    log.info(`Exported the history (${range}, ${format}) to ${file.fsPath}.`);
    if (!args) void vscode.window.showInformationMessage(vscode.l10n.t('History exported to {0}.', vscode.workspace.asRelativePath(file)));
    return file;
  }

  function copyApiToken(): Promise<void> {
    return api.copyToken();
  }

  async function setMuted(argument: TargetArgument, muted: boolean): Promise<void> {
    const id = await targetIdFrom(
      argument,
      monitor,
      muted ? vscode.l10n.t('Mute notifications of which target?') : vscode.l10n.t('Unmute which target?'),
      (snapshot) => mutes.isMuted(snapshot.configured.target.id) !== muted,
    );
    if (!id) return;
    await mutes.setMuted(id, muted);
    log.info(`${muted ? 'Muted' : 'Unmuted'} notifications of ${nameOf(id)}.`);
  }

  async function showTargetPicker(): Promise<void> {
    if (monitor.targets.length === 0) {
      await vscode.commands.executeCommand(CommandId.AddTarget);
      return;
    }
    const id = await targetIdFrom(undefined, monitor, vscode.l10n.t('Network Monitor targets'));
    if (!id) return;
    const snapshot = monitor.snapshot(id);
    const paused = snapshot?.status === 'PAUSED';
    const actions: (vscode.QuickPickItem & { run: () => Thenable<unknown> })[] = [
      { label: `$(refresh) ${vscode.l10n.t('Check Now')}`, run: () => vscode.commands.executeCommand(CommandId.CheckNow, id) },
      paused
        ? { label: `$(debug-start) ${vscode.l10n.t('Resume')}`, run: () => vscode.commands.executeCommand(CommandId.ResumeTarget, id) }
        : { label: `$(debug-pause) ${vscode.l10n.t('Pause')}`, run: () => vscode.commands.executeCommand(CommandId.PauseTarget, id) },
      { label: `$(graph-line) ${vscode.l10n.t('Open Dashboard')}`, run: () => vscode.commands.executeCommand(CommandId.OpenDashboard) },
      { label: `$(edit) ${vscode.l10n.t('Edit Target')}`, run: () => vscode.commands.executeCommand(CommandId.EditTarget, id) },
      mutes.isMuted(id)
        ? {
            label: `$(bell) ${vscode.l10n.t('Unmute Notifications')}`,
            run: () => vscode.commands.executeCommand(CommandId.UnmuteTarget, id),
          }
        : {
            label: `$(bell-slash) ${vscode.l10n.t('Mute Notifications')}`,
            run: () => vscode.commands.executeCommand(CommandId.MuteTarget, id),
          },
      { label: `$(trash) ${vscode.l10n.t('Remove Target')}`, run: () => vscode.commands.executeCommand(CommandId.RemoveTarget, id) },
    ];
    const action = await vscode.window.showQuickPick(actions, { placeHolder: nameOf(id) });
    await action?.run();
  }

  return [
    register(CommandId.AddTarget, addTarget),
    register(CommandId.EditTarget, editTarget),
    register(CommandId.RemoveTarget, removeTarget),
    register(CommandId.PauseTarget, (argument: TargetArgument) => setPaused(argument, true)),
    register(CommandId.ResumeTarget, (argument: TargetArgument) => setPaused(argument, false)),
    register(CommandId.SnoozeTarget, (argument: TargetArgument, until?: number | string) => snoozeTarget(argument, until)),
    register(CommandId.EndSnooze, (argument: TargetArgument) => endSnooze(argument)),
    register(CommandId.PauseAll, () => setAllPaused(true)),
    register(CommandId.ResumeAll, () => setAllPaused(false)),
    register(CommandId.CheckNow, checkNow),
    register(CommandId.OpenDashboard, () => dashboard.show()),
    register(CommandId.ShowReport, showReport),
    register(CommandId.ExportHistory, exportHistory),
    register(CommandId.ShowLog, () => log.show()),
    register(CommandId.CopyApiToken, copyApiToken),
    register(CommandId.RotateApiToken, () => api.rotateToken()),
    register(CommandId.StoreSecret, (args?: StoreSecretArguments) => secretCommands.store(args)),
    register(CommandId.ManageSecrets, () => secretCommands.manage()),
    register(CommandId.DeleteSecret, (name?: string) => secretCommands.delete(typeof name === 'string' ? name : undefined)),
    register(CommandId.SetProxyCredentials, (args?: { username: string; password: string; origin?: string }) => proxy.setCredentials(args)),
    register(CommandId.ImportTargets, (args?: ImportTargetsArguments) => importTargetsCommand(targets, secretCommands, log, args)),
    register(CommandId.AddAlertChannel, (args?: AddAlertChannelArguments) => alertChannels.add(args)),
    register(CommandId.RemoveAlertChannel, (name?: string) => alertChannels.remove(typeof name === 'string' ? name : undefined)),
    register(CommandId.SendTestAlert, () => alertChannels.sendTest()),
    register(CommandId.MuteTarget, (argument: TargetArgument) => setMuted(argument, true)),
    register(CommandId.UnmuteTarget, (argument: TargetArgument) => setMuted(argument, false)),
    register(CommandId.ShowTargetPicker, showTargetPicker),
  ];
}

/** The end of a snooze, as the user picks it: an hour, four hours, tomorrow morning, Monday morning. */
async function askSnoozeEnd(): Promise<number | undefined> {
  const now = new Date();
  const morning = (daysAhead: number): number => new Date(now.getFullYear(), now.getMonth(), now.getDate() + daysAhead, 9, 0).getTime();
  const daysToMonday = (8 - now.getDay()) % 7 || 7;
  const format = (at: number): string =>
    new Date(at).toLocaleString(vscode.env.language, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
  const choices = [
    { label: vscode.l10n.t('For 1 hour'), end: now.getTime() + 3_600_000 },
    { label: vscode.l10n.t('For 4 hours'), end: now.getTime() + 4 * 3_600_000 },
    { label: vscode.l10n.t('Until tomorrow morning'), end: morning(1) },
    { label: vscode.l10n.t('Until Monday morning'), end: morning(daysToMonday) },
  ].map((choice) => ({ ...choice, description: format(choice.end) }));
  const picked = await vscode.window.showQuickPick(choices, {
    title: vscode.l10n.t('Snooze Target'),
    placeHolder: vscode.l10n.t('Checks go on and are kept; no alert is sent and uptime leaves them out'),
  });
  return picked?.end;
}
