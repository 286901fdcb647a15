/**
 * The monitor where the addresses are written: hovering an `http(s)://` or `tcp://` address in any
 * file shows what the monitor knows of it (state, last response time, 24 h uptime, last incident)
 * with Check Now and Open Dashboard links; an address no target watches offers "Monitor this URL",
 * in the hover and as a quick fix.
 *
 * A hover must cost nothing a user feels: it reads one line around the cursor (urlsInText.ts caps
 * how much), looks the address up in an index rebuilt only when the targets change, and asks the
 * history the same three questions the tree asks; it never runs a check.
 *
 * The hover's Markdown is trusted for our own commands only (`enabledCommands`), and every text
 * that comes from settings or a server (a target's name, an incident's message) is appended as
 * text, so it can never become a link. The commands still treat their arguments as anyone's: a
 * link in any other Markdown can run them too.
 */
import * as vscode from 'vscode';
import { TargetUrlIndex, urlAt } from '../../core/targets/urlsInText';
import { CommandId } from '../commands/commandIds';
import { formatAgo, formatDuration, formatLatency, formatUptime } from '../format/monitorText';
import type { MonitorService } from '../monitor/monitorService';
import { readHistorySummary, statusWord } from '../tree/targetNodes';

/** Documents longer than this are not looked at (generated bundles, logs, data dumps). */
const MAX_DOCUMENT_LINES = 100_000;
const HOVER_COMMANDS = [CommandId.CheckNow, CommandId.OpenDashboard, CommandId.MonitorUrl];

/** Any text document the user reads: files, unsaved editors, files of a remote workspace. */
const DOCUMENTS: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }];

export class TargetAddresses implements vscode.HoverProvider, vscode.CodeActionProvider {
  static readonly codeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly index = new TargetUrlIndex();
  private indexCurrent = false;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly monitor: MonitorService) {
    this.subscriptions = [
      monitor.onDidChangeTargets(() => (this.indexCurrent = false)),
      vscode.languages.registerHoverProvider(DOCUMENTS, this),
      vscode.languages.registerCodeActionsProvider(DOCUMENTS, this, { providedCodeActionKinds: TargetAddresses.codeActionKinds }),
    ];
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const found = this.addressAt(document, position);
    if (!found) return undefined;
    const { range, key, targetId } = found;
    const markdown = new vscode.MarkdownString(undefined, true);
    markdown.isTrusted = { enabledCommands: HOVER_COMMANDS };
    const snapshot = targetId === undefined ? undefined : this.monitor.snapshot(targetId);
    if (!snapshot) {
      markdown.appendMarkdown(`$(eye) ${commandLink(vscode.l10n.t('Monitor this URL'), CommandId.MonitorUrl, [key])}`);
      markdown.appendMarkdown(` — ${vscode.l10n.t('Network Monitor does not watch this address yet.')}`);
      return new vscode.Hover(markdown, range);
    }
    const now = Date.now();
    const summary = await readHistorySummary(this.monitor.history, snapshot.configured.target.id, this.monitor.anomalyThreshold, now);
    const { status, lastRecord } = snapshot;
    markdown
      .appendMarkdown('**')
      .appendText(snapshot.configured.target.name)
      .appendMarkdown(`** — ${statusWord(status)}`);
    if (lastRecord) markdown.appendMarkdown(` · ${formatLatency(lastRecord.totalMs)}`);
    if (summary.uptime24h !== null) markdown.appendMarkdown(` · ${vscode.l10n.t('{0} 24 h', formatUptime(summary.uptime24h))}`);
    markdown.appendMarkdown('\n\n');
    if (lastRecord) {
      markdown.appendMarkdown(`${vscode.l10n.t('Last check')}: ${formatAgo(lastRecord.startedAt, now)}`);
      if (lastRecord.statusCode !== null) markdown.appendMarkdown(` · HTTP ${lastRecord.statusCode}`);
      if (lastRecord.status !== 'UP') markdown.appendMarkdown(' — ').appendText(lastRecord.message);
      markdown.appendMarkdown('\n\n');
    } else {
      markdown.appendMarkdown(`${vscode.l10n.t('Not checked yet.')}\n\n`);
    }
    const incident = summary.incidents[0];
    if (incident) {
      const length = formatDuration((incident.endedAt ?? now) - incident.startedAt);
      markdown.appendMarkdown(`${vscode.l10n.t('Last incident')}: ${statusWord(incident.worst)} ${formatAgo(incident.startedAt, now)}, `);
      markdown.appendMarkdown(incident.endedAt === null ? vscode.l10n.t('ongoing for {0}', length) : vscode.l10n.t('lasted {0}', length));
      if (incident.message) markdown.appendMarkdown(' — ').appendText(incident.message);
      markdown.appendMarkdown('\n\n');
    }
    markdown.appendMarkdown(
      `$(refresh) ${commandLink(vscode.l10n.t('Check Now'), CommandId.CheckNow, [snapshot.configured.target.id])} · ` +
        `$(graph-line) ${commandLink(vscode.l10n.t('Open Dashboard'), CommandId.OpenDashboard, [])}`,
    );
    return new vscode.Hover(markdown, range);
  }

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const found = this.addressAt(document, range.start);
    if (!found || found.targetId !== undefined) return [];
    const action = new vscode.CodeAction(vscode.l10n.t('Monitor this URL'), vscode.CodeActionKind.QuickFix);
    action.command = { command: CommandId.MonitorUrl, title: action.title, arguments: [found.key] };
    return [action];
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  /** The address under `position`, its range, and the target watching it (undefined for none). */
  private addressAt(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): { range: vscode.Range; key: string; targetId: string | undefined } | undefined {
    if (document.lineCount > MAX_DOCUMENT_LINES) return undefined;
    const found = urlAt(document.lineAt(position.line).text, position.character);
    if (!found) return undefined;
    if (!this.indexCurrent) {
      this.index.rebuild(this.monitor.snapshots().map((snapshot) => snapshot.configured.target));
      this.indexCurrent = true;
    }
    return {
      range: new vscode.Range(position.line, found.start, position.line, found.end),
      key: found.key,
      targetId: this.index.targetFor(found.key),
    };
  }
}

/** A Markdown link that runs `command` with `args`; the label is ours, the arguments are encoded so nothing in them is read as Markdown. */
function commandLink(label: string, command: CommandId, args: readonly unknown[]): string {
  return `[${label}](command:${command}?${encodeURIComponent(JSON.stringify(args))})`;
}
