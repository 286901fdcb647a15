/**
 * Commands that act on one target take it from the tree's context (a node), from a notification
 * (an id), or ask for it with a quick pick of the targets with their state.
 */
import * as vscode from 'vscode';
import type { TargetConfiguration } from '../config/targetConfiguration';
import type { MonitorService, TargetSnapshot } from '../monitor/monitorService';
import { statusWord } from '../tree/targetNodes';
import { TargetNode } from '../tree/targetNodes';
import { showMessage } from '../notifications/editorMessages';

/** What a command may be handed as its target. */
export type TargetArgument = TargetNode | string | { targetId: string } | undefined;

const STATUS_CODICON: Record<TargetSnapshot['status'], string> = {
  UP: 'pass-filled',
  DEGRADED: 'warning',
  DOWN: 'error',
  PAUSED: 'debug-pause',
  UNKNOWN: 'circle-large-outline',
};

export function targetPickItem(snapshot: TargetSnapshot): vscode.QuickPickItem & { targetId: string } {
  const { target } = snapshot.configured;
  return {
    label: `$(${STATUS_CODICON[snapshot.status]}) ${target.name}`,
    description: statusWord(snapshot.status),
    detail:
      target.name === target.url
        ? (snapshot.lastRecord?.message ?? undefined)
        : `${target.url}${snapshot.lastRecord ? ` · ${snapshot.lastRecord.message}` : ''}`,
    targetId: target.id,
  };
}

/** The id of the target a command is about; asks the user when none was given. Undefined: cancelled. */
export async function targetIdFrom(
  argument: TargetArgument,
  monitor: MonitorService,
  placeholder: string,
  include: (snapshot: TargetSnapshot) => boolean = () => true,
): Promise<string | undefined> {
  if (argument instanceof TargetNode) return argument.targetId;
  if (typeof argument === 'string') return argument;
  if (argument && typeof argument === 'object' && typeof argument.targetId === 'string') return argument.targetId;
  const candidates = monitor.snapshots().filter(include);
  if (candidates.length === 0) {
    void showMessage(
      'info',
      monitor.targets.length === 0
        ? vscode.l10n.t('No targets yet. Run "Network Monitor: Add Target" to add one.')
        : vscode.l10n.t('No target fits this command right now.'),
    );
    return undefined;
  }
  const chosen = await vscode.window.showQuickPick(candidates.map(targetPickItem), {
    placeHolder: placeholder,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return chosen?.targetId;
}

/** The name a message gives a target: its configured name, or its id once it has left the settings. */
export function targetName(targets: TargetConfiguration, targetId: string): string {
  return targets.find(targetId)?.target.name ?? targetId;
}
