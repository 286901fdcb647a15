/**
 * Whether a target is checked and whether it alerts: check now, pause and resume (one or all),
 * snooze (checked and recorded as maintenance, no alert) and mute (no notification in the editor).
 */
import * as vscode from 'vscode';
import type { TargetConfiguration } from '../config/targetConfiguration';
import { formatLatency } from '../format/monitorText';
import type { MonitorService } from '../monitor/monitorService';
import type { MuteList } from '../notifications/muteList';
import { CommandId } from './commandIds';
import { commandRegistrar, type CommandBasics } from './commandRunner';
import { targetIdFrom, targetName, targetPickItem, type TargetArgument } from './targetPicker';
import { showMessage } from '../notifications/editorMessages';

export interface CheckCommandServices extends CommandBasics {
  targets: TargetConfiguration;
  monitor: MonitorService;
  mutes: MuteList;
}

export function registerCheckCommands(services: CheckCommandServices): vscode.Disposable[] {
  const { log, targets, monitor, mutes } = services;
  const register = commandRegistrar(services);
  const nameOf = (targetId: string): string => targetName(targets, targetId);

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
        void showMessage('info', vscode.l10n.t('No targets yet. Run "Network Monitor: Add Target" to add one.'));
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

  return [
    register(CommandId.PauseTarget, (argument: TargetArgument) => setPaused(argument, true)),
    register(CommandId.ResumeTarget, (argument: TargetArgument) => setPaused(argument, false)),
    register(CommandId.SnoozeTarget, (argument: TargetArgument, until?: number | string) => snoozeTarget(argument, until)),
    register(CommandId.EndSnooze, (argument: TargetArgument) => endSnooze(argument)),
    register(CommandId.PauseAll, () => setAllPaused(true)),
    register(CommandId.ResumeAll, () => setAllPaused(false)),
    register(CommandId.CheckNow, checkNow),
    register(CommandId.MuteTarget, (argument: TargetArgument) => setMuted(argument, true)),
    register(CommandId.UnmuteTarget, (argument: TargetArgument) => setMuted(argument, false)),
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
