/**
 * Where the user reads what was recorded: the dashboard, the report as a Markdown document, the
 * history exported to a file, and the extension's log.
 */
import * as vscode from 'vscode';
import { RANGE_MS, type ReportRow, type RangeName } from '../../shared/dashboardProtocol';
import type { DashboardPanel } from '../dashboard/dashboardPanel';
import { formatLatency, formatUptime } from '../format/monitorText';
import type { MonitorDashboardSource } from '../monitor/monitorDashboardSource';
import type { MonitorService } from '../monitor/monitorService';
import { ownArgumentsOrRefuse } from './commandArguments';
import { CommandId } from './commandIds';
import { commandRegistrar, type CommandBasics } from './commandRunner';
import { targetPickItem } from './targetPicker';
import { showMessage } from '../notifications/editorMessages';

/** Arguments for exporting without the dialogs; only from our own code and tests (commandArguments.ts). */
interface ExportArguments {
  format: 'csv' | 'json';
  range: RangeName;
  targetIds?: string[];
  file: vscode.Uri;
}

export interface HistoryCommandServices extends CommandBasics {
  monitor: MonitorService;
  dashboard: DashboardPanel;
  dashboardSource: MonitorDashboardSource;
}

export function registerHistoryCommands(services: HistoryCommandServices): vscode.Disposable[] {
  const { log, monitor, dashboard, dashboardSource } = services;
  const register = commandRegistrar(services);

  async function pickRange(placeHolder: string): Promise<RangeName | undefined> {
    const labels: Record<RangeName, string> = {
      '1h': vscode.l10n.t('Last hour'),
      '24h': vscode.l10n.t('Last 24 hours'),
      '7d': vscode.l10n.t('Last 7 days'),
      '30d': vscode.l10n.t('Last 30 days'),
      '1y': vscode.l10n.t('Last year'),
    };
    const chosen = await vscode.window.showQuickPick(
      (Object.keys(labels) as RangeName[]).map((range) => ({ label: labels[range], range })),
      { placeHolder },
    );
    return chosen?.range;
  }

  function reportMarkdown(rows: ReportRow[], range: RangeName, now: number): string {
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

  async function showReport(range?: RangeName): Promise<void> {
    const chosen = range ?? (await pickRange(vscode.l10n.t('Report on which period?')));
    if (!chosen) return;
    const now = Date.now();
    const rows = await dashboardSource.report(chosen, now);
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: reportMarkdown(rows, chosen, now) });
    await vscode.window.showTextDocument(document, { preview: false });
  }

  async function exportHistory(args?: ExportArguments): Promise<vscode.Uri | undefined> {
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
    const content = await history.exportRange(targetIds, { from: now - RANGE_MS[range], to: now + 1 }, format);
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(content));
    log.info(`Exported the history (${range}, ${format}) to ${file.fsPath}.`);
    if (!args) void showMessage('info', vscode.l10n.t('History exported to {0}.', vscode.workspace.asRelativePath(file)));
    return file;
  }

  return [
    register(CommandId.OpenDashboard, () => dashboard.show()),
    register(CommandId.ShowReport, showReport),
    register(CommandId.ExportHistory, (args?: ExportArguments) => exportHistory(ownArgumentsOrRefuse(CommandId.ExportHistory, args))),
    // The log is there from the first moment; it is what a user opens when starting goes wrong.
    register(CommandId.ShowLog, () => log.show(), { beforeStart: true }),
  ];
}
