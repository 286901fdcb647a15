/**
 * One status bar item summing up every target: `$(pulse) 4 up, 1 down`, on the error background
 * while something is down (warning while something is degraded), with a tooltip naming what is
 * down. A click opens a quick pick of the targets. `networkMonitor.statusBar.enabled` hides it.
 */
import * as vscode from 'vscode';
import { CommandId } from '../commands/commandIds';
import type { MonitorSettings } from '../config/monitorSettings';
import { countStatuses, summaryText } from '../format/monitorText';
import type { MonitorService } from '../monitor/monitorService';
import { checkOriginMarkdown } from '../monitor/checkOriginText';

export class StatusBarController implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[];
  private pending: NodeJS.Timeout | undefined;

  constructor(
    private readonly monitor: MonitorService,
    private readonly settings: MonitorSettings,
  ) {
    this.item = vscode.window.createStatusBarItem('networkMonitor.summary', vscode.StatusBarAlignment.Left, 10);
    this.item.name = vscode.l10n.t('Network Monitor');
    this.item.command = CommandId.ShowTargetPicker;
    this.subscriptions = [
      monitor.onDidChangeTarget(() => this.scheduleUpdate()),
      monitor.onDidChangeTargets(() => this.scheduleUpdate()),
      monitor.onDidChangeRole(() => this.scheduleUpdate()),
      settings.onDidChange((areas) => {
        if (areas.has('statusBar')) this.update();
      }),
    ];
    this.update();
  }

  /** Several targets often change together (a reader refresh): draw once for all of them. */
  private scheduleUpdate(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.update();
    }, 50);
  }

  /** The text as shown, for tests: `$(pulse) 4 up, 1 down`. */
  get text(): string {
    return this.item.text;
  }

  /** The tooltip's Markdown, for tests. */
  get tooltipMarkdown(): string {
    const tooltip = this.item.tooltip;
    return typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? '');
  }

  get visible(): boolean {
    return this.settings.values.statusBar.enabled;
  }

  get background(): 'error' | 'warning' | undefined {
    const id = (this.item.backgroundColor as vscode.ThemeColor | undefined)?.id;
    return id === 'statusBarItem.errorBackground' ? 'error' : id === 'statusBarItem.warningBackground' ? 'warning' : undefined;
  }

  update(): void {
    if (!this.settings.values.statusBar.enabled) {
      this.item.hide();
      return;
    }
    const snapshots = this.monitor.snapshots();
    const counts = countStatuses(snapshots.map((snapshot) => snapshot.status));
    this.item.text = `$(pulse) ${summaryText(counts)}`;
    this.item.backgroundColor =
      counts.DOWN > 0
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : counts.DEGRADED > 0
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${vscode.l10n.t('Network Monitor')}**\n\n`);
    const down = snapshots.filter((snapshot) => snapshot.status === 'DOWN');
    const degraded = snapshots.filter((snapshot) => snapshot.status === 'DEGRADED');
    if (snapshots.length === 0) tooltip.appendMarkdown(vscode.l10n.t('No targets yet. Click to add one.'));
    else if (down.length === 0 && degraded.length === 0) tooltip.appendMarkdown(vscode.l10n.t('Nothing is down.'));
    for (const [title, list] of [
      [vscode.l10n.t('Down'), down],
      [vscode.l10n.t('Degraded'), degraded],
    ] as const) {
      if (list.length === 0) continue;
      tooltip.appendMarkdown(`${title}:\n\n`);
      for (const snapshot of list) {
        tooltip
          .appendMarkdown('- ')
          .appendText(`${snapshot.configured.target.name}: ${snapshot.lastRecord?.message ?? ''}`)
          .appendMarkdown('\n');
      }
      tooltip.appendMarkdown('\n');
    }
    if (this.monitor.role === 'reader') tooltip.appendMarkdown(`\n\n$(info) ${vscode.l10n.t('Checked by another VS Code window.')}`);
    tooltip.appendMarkdown(`\n\n${checkOriginMarkdown()}`);
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: vscode.l10n.t('Network Monitor: {0}', summaryText(counts)) };
    this.item.show();
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.item.dispose();
  }
}
