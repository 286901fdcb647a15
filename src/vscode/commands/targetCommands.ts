/**
 * A target's entry in the settings: add, edit, remove and import; and the status bar's menu of
 * what can be done with one target.
 */
import * as vscode from 'vscode';
import type { TargetEntryObject } from '../../core/targets/target';
import type { MonitorSettings } from '../config/monitorSettings';
import type { SaveLevel, TargetConfiguration } from '../config/targetConfiguration';
import { compactEntry } from '../config/targetEntries';
import type { MonitorService } from '../monitor/monitorService';
import type { MuteList } from '../notifications/muteList';
import { isOwnArgument, ownArgumentsOrRefuse } from './commandArguments';
import { CommandId } from './commandIds';
import { commandRegistrar, type CommandBasics } from './commandRunner';
import { importTargetsCommand, type ImportTargetsArguments } from './importCommand';
import type { SecretCommands } from './secretCommands';
import { askForTarget, askSaveLevel, checkInterval, checkTargetUrl } from './targetInput';
import { targetIdFrom, targetName, type TargetArgument } from './targetPicker';
import { askModal } from '../notifications/editorMessages';

export interface TargetCommandServices extends CommandBasics {
  settings: MonitorSettings;
  targets: TargetConfiguration;
  monitor: MonitorService;
  mutes: MuteList;
  /** Store, manage and delete the secrets header references use. */
  secretCommands: SecretCommands;
}

/** Arguments for adding a target without the interactive steps; only from our own code and tests (commandArguments.ts). */
export interface AddTargetArguments {
  url: string;
  name?: string;
  interval?: number;
  level?: SaveLevel;
  /** A suggested target's request, as its file wrote it (credentials already replaced by secret references). */
  method?: string;
  headers?: Record<string, string>;
}

export interface EditTargetChanges {
  url?: string;
  name?: string;
  interval?: number;
}

export function registerTargetCommands(services: TargetCommandServices): vscode.Disposable[] {
  const { log, settings, targets, monitor, mutes, secretCommands } = services;
  const register = commandRegistrar(services);
  const nameOf = (targetId: string): string => targetName(targets, targetId);

  async function addTarget(args?: AddTargetArguments): Promise<string | undefined> {
    let values: { url: string; name?: string; interval?: number; level: SaveLevel } | undefined;
    let request: { method?: string; headers?: Record<string, string> } = {};
    if (args && typeof args.url === 'string') {
      const check = checkTargetUrl(args.url, targets.targets);
      if (check.severity === 'error') throw new Error(check.message);
      if (args.interval !== undefined && checkInterval(String(args.interval))) throw new Error(checkInterval(String(args.interval)));
      values = { url: args.url.trim(), name: args.name, interval: args.interval, level: args.level ?? 'user' };
      request = { method: args.method, headers: args.headers };
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
    await targets.add(compactEntry({ url, name: values.name, interval: values.interval, ...request }), values.level);
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
    // The second argument may be the tree's selection, or anything a link passed: only our own changes skip the steps.
    let next: EditTargetChanges | undefined = isOwnArgument(changes) ? changes : undefined;
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
    // Only our own code may skip the question; a link's or the tree's second argument never does.
    if (!isOwnArgument(options) || options.confirm !== false) {
      const remove = vscode.l10n.t('Remove');
      const choice = await askModal(
        vscode.l10n.t('Remove {0} from Network Monitor?', name),
        vscode.l10n.t('It is no longer checked. Its history stays until the retention period ends.'),
        remove,
      );
      if (choice !== remove) return false;
    }
    await targets.remove(id);
    await mutes.setMuted(id, false);
    log.info(`Removed ${name}.`);
    return true;
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

  /**
   * "Monitor this URL" from the hover or the quick fix. The address comes from a file, and any
   * Markdown can link to this command: the user picks where it is saved, seeing the address,
   * before anything is checked. Without an address it is Add Target.
   */
  async function monitorUrl(argument: unknown): Promise<string | undefined> {
    if (isOwnArgument(argument)) return addTarget(argument as AddTargetArguments);
    if (typeof argument !== 'string') return addTarget();
    const check = checkTargetUrl(argument, targets.targets);
    if (check.severity === 'error') throw new Error(check.message);
    const url = check.url ?? argument.trim();
    const level = await askSaveLevel(url, targets.hasWorkspace);
    return level && addTarget({ url, level });
  }

  return [
    register(CommandId.MonitorUrl, monitorUrl),
    register(CommandId.AddTarget, (args?: AddTargetArguments) => addTarget(ownArgumentsOrRefuse(CommandId.AddTarget, args))),
    register(CommandId.EditTarget, editTarget),
    register(CommandId.RemoveTarget, removeTarget),
    register(CommandId.ImportTargets, (args?: ImportTargetsArguments) =>
      importTargetsCommand(targets, secretCommands, log, ownArgumentsOrRefuse(CommandId.ImportTargets, args)),
    ),
    register(CommandId.ShowTargetPicker, showTargetPicker),
  ];
}
