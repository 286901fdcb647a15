/**
 * The sidebar's nodes. Each owns its TreeItem: a coloured codicon for the state, latency and
 * 24 h uptime in the description, a Markdown tooltip with the detail, and a `contextValue` like
 * `target+down+paused` that package.json's menus match with regular expressions.
 */
import * as vscode from 'vscode';
import { describeWindow } from '../../core/targets/maintenance';
import type { TargetStatus } from '../../shared/targetStatus';
import type { AnomalyHit, HistoryReader, Incident } from '../../core/store/historyStore';
import { formatAgo, formatDuration, formatLatency, formatUptime } from '../format/monitorText';
import { unusualPhaseSentence } from '../../shared/unusualPhaseText';
import type { HeldEntry } from '../config/targetEntries';
import type { TargetSnapshot } from '../monitor/monitorService';
import { checkOriginMarkdown } from '../monitor/checkOriginText';
import type { SuggestionNode, SuggestionsNode } from './suggestionNodes';

const DAY_MS = 86_400_000;
const INCIDENT_WINDOW_MS = 7 * DAY_MS;
const MAX_INCIDENT_CHILDREN = 5;

const STATUS_ICONS: Record<TargetStatus, { icon: string; color: string }> = {
  UP: { icon: 'pass-filled', color: 'networkMonitor.up' },
  DEGRADED: { icon: 'warning', color: 'networkMonitor.degraded' },
  DOWN: { icon: 'error', color: 'networkMonitor.down' },
  PAUSED: { icon: 'debug-pause', color: 'networkMonitor.paused' },
  UNKNOWN: { icon: 'circle-large-outline', color: 'networkMonitor.unknown' },
};

export function statusIcon(status: TargetStatus): vscode.ThemeIcon {
  const { icon, color } = STATUS_ICONS[status];
  return new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
}

export function statusWord(status: TargetStatus): string {
  switch (status) {
    case 'UP':
      return vscode.l10n.t('UP');
    case 'DEGRADED':
      return vscode.l10n.t('DEGRADED');
    case 'DOWN':
      return vscode.l10n.t('DOWN');
    case 'PAUSED':
      return vscode.l10n.t('PAUSED');
    case 'UNKNOWN':
      return vscode.l10n.t('PENDING');
  }
}

/**
 * What the history says of a target, asked before its node is drawn: the answers are
 * asynchronous, and a tree item is built synchronously.
 */
export interface TargetHistorySummary {
  /** Share of the last 24 hours' checks that were available; null without checks or when the history did not answer. */
  uptime24h: number | null;
  /** The last week's incidents, newest first; empty when the history did not answer. */
  incidents: Incident[];
  /** The last 24 hours' newest anomalous check; null without one or when the history did not answer. */
  lastAnomaly: AnomalyHit | null;
}

export const NO_HISTORY_SUMMARY: TargetHistorySummary = { uptime24h: null, incidents: [], lastAnomaly: null };

/** Asks the history for a target's summary; a question that fails leaves its part empty, as without a history. */
export async function readHistorySummary(
  history: HistoryReader | undefined,
  targetId: string,
  anomalyThreshold: number,
  now = Date.now(),
): Promise<TargetHistorySummary> {
  if (!history) return NO_HISTORY_SUMMARY;
  const [incidents, uptime24h, lastAnomaly] = await Promise.all([
    answerOr(async () => {
      const found = await history.incidents(targetId, { from: now - INCIDENT_WINDOW_MS, to: now + 1 });
      return [...found].sort((a, b) => b.startedAt - a.startedAt);
    }, []),
    answerOr(() => history.uptime(targetId, now - DAY_MS, now + 1), null),
    answerOr(async () => (await history.anomalies({ from: now - DAY_MS, to: now + 1 }, anomalyThreshold, 1, targetId))[0] ?? null, null),
  ]);
  return { uptime24h, incidents, lastAnomaly };
}

async function answerOr<T>(ask: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await ask();
  } catch {
    return fallback;
  }
}

/** What the nodes need besides the snapshot and the history's summary. */
export interface NodeContext {
  isMuted(targetId: string): boolean;
  anomalyThreshold(): number;
  /** True when another window runs the checks (shown in the tooltip). */
  readOnly(): boolean;
}

export type TreeNode = TargetNode | IncidentNode | HeldNode | SuggestionsNode | SuggestionNode;

export class TargetNode {
  readonly kind = 'target';

  constructor(
    public snapshot: TargetSnapshot,
    private readonly context: NodeContext,
    /** Asked of the history by the tree before it draws the node. */
    public summary: TargetHistorySummary = NO_HISTORY_SUMMARY,
  ) {}

  get targetId(): string {
    return this.snapshot.configured.target.id;
  }

  /** `target+<last check status>[+paused][+muted][+snoozed]`, e.g. `target+down+paused`. */
  get contextValue(): string {
    const { status, lastRecord } = this.snapshot;
    const lastStatus = status === 'PAUSED' ? (lastRecord?.status ?? 'UNKNOWN') : status;
    let value = `target+${lastStatus.toLowerCase()}`;
    if (status === 'PAUSED') value += '+paused';
    if (this.context.isMuted(this.targetId)) value += '+muted';
    if (this.snoozedUntil() !== null) value += '+snoozed';
    return value;
  }

  /** When the target's snooze ends, or null when it is not snoozed now. */
  private snoozedUntil(now = Date.now()): number | null {
    const until = this.snapshot.configured.target.quiet.snoozeUntil;
    return until !== null && until > now ? until : null;
  }

  incidents(): Incident[] {
    return this.summary.incidents;
  }

  uptime24h(): number | null {
    return this.summary.uptime24h;
  }

  children(): IncidentNode[] {
    return this.incidents()
      .slice(0, MAX_INCIDENT_CHILDREN)
      .map((incident) => new IncidentNode(this, incident));
  }

  description(now = Date.now()): string {
    const { status, lastRecord } = this.snapshot;
    const parts: string[] = [statusWord(status)];
    if (status === 'DOWN' && lastRecord)
      parts.push(lastRecord.message.length > 48 ? `${lastRecord.message.slice(0, 47)}…` : lastRecord.message);
    else if (status !== 'PAUSED' && lastRecord && lastRecord.status !== 'DOWN') parts.push(formatLatency(lastRecord.totalMs));
    const uptime = this.uptime24h();
    if (uptime !== null) parts.push(vscode.l10n.t('{0} 24 h', formatUptime(uptime)));
    const snoozedUntil = this.snoozedUntil(now);
    if (snoozedUntil !== null)
      parts.push(
        vscode.l10n.t(
          'snoozed until {0}',
          new Date(snoozedUntil).toLocaleString(vscode.env.language, { weekday: 'short', hour: '2-digit', minute: '2-digit' }),
        ),
      );
    else if (this.snapshot.lastRecord?.maintenance === true) parts.push(vscode.l10n.t('maintenance'));
    return parts.join(' · ');
  }

  toTreeItem(): vscode.TreeItem {
    const { target } = this.snapshot.configured;
    const now = Date.now();
    const incidents = this.incidents();
    const item = new vscode.TreeItem(
      target.name,
      incidents.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = `target:${target.id}`;
    item.iconPath = statusIcon(this.snapshot.status);
    item.description = this.description(now);
    item.tooltip = this.tooltip(now, incidents[0]);
    item.contextValue = this.contextValue;
    item.accessibilityInformation = { label: `${target.name}, ${item.description}` };
    return item;
  }

  private tooltip(now: number, lastIncident: Incident | undefined): vscode.MarkdownString {
    const { configured, status, lastRecord, consecutiveFailures } = this.snapshot;
    const { target } = configured;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`$(${STATUS_ICONS[status].icon}) **`)
      .appendText(target.name)
      .appendMarkdown(`** — ${statusWord(status)}\n\n`);
    md.appendMarkdown('`').appendText(target.url).appendMarkdown('`\n\n');
    if (this.context.isMuted(target.id)) md.appendMarkdown(`$(bell-slash) ${vscode.l10n.t('Notifications muted')}\n\n`);
    const snoozedUntil = this.snoozedUntil(now);
    if (snoozedUntil !== null)
      md.appendMarkdown(
        `$(clock) ${vscode.l10n.t('Snoozed until {0}: checked, but no alert is sent and uptime leaves these checks out.', new Date(snoozedUntil).toLocaleString(vscode.env.language))}\n\n`,
      );
    if (target.quiet.maintenance.length > 0)
      md.appendMarkdown(
        `$(tools) ${vscode.l10n.t('Maintenance windows: {0}', target.quiet.maintenance.map(describeWindow).join('; '))}\n\n`,
      );
    if (this.context.readOnly())
      md.appendMarkdown(`$(info) ${vscode.l10n.t('Checked by another VS Code window; this one shows its results.')}\n\n`);
    md.appendMarkdown(`${checkOriginMarkdown()}\n\n`);
    if (!lastRecord) {
      md.appendMarkdown(vscode.l10n.t('Not checked yet.'));
      return md;
    }
    const time = new Date(lastRecord.startedAt).toLocaleTimeString(vscode.env.language);
    md.appendMarkdown(`${vscode.l10n.t('Last check')}: ${time} (${formatAgo(lastRecord.startedAt, now)})`);
    if (lastRecord.statusCode !== null) md.appendMarkdown(` · HTTP ${lastRecord.statusCode}`);
    md.appendMarkdown(` · ${formatLatency(lastRecord.totalMs)}\n\n`);
    if (lastRecord.status !== 'UP') md.appendText(lastRecord.message).appendMarkdown('\n\n');
    if (consecutiveFailures > 1) md.appendMarkdown(`${vscode.l10n.t('{0} failed checks in a row', consecutiveFailures)}\n\n`);
    const p = lastRecord.phases;
    md.appendMarkdown(
      `| DNS | ${vscode.l10n.t('Connect')} | TLS | ${vscode.l10n.t('First byte')} | ${vscode.l10n.t('Transfer')} |\n|---:|---:|---:|---:|---:|\n`,
    );
    md.appendMarkdown(`| ${[p.dns, p.connect, p.tls, p.firstByte, p.transfer].map((ms) => formatLatency(ms)).join(' | ')} |\n\n`);
    if (lastRecord.proxy) {
      // Connect through a proxy includes the proxy's own work; say how much, so a slow proxy is not taken for a slow server.
      const route = lastRecord.proxy;
      const parts = [vscode.l10n.t('{0} to connect to it', formatLatency(route.connectMs))];
      if (route.tunnelMs > 0) parts.push(vscode.l10n.t('{0} for its tunnel to the target', formatLatency(route.tunnelMs)));
      md.appendMarkdown(`$(shield) ${vscode.l10n.t('Through the proxy')} `)
        .appendText(route.url)
        .appendMarkdown(`: ${parts.join(', ')}\n\n`);
    }
    if (lastRecord.tls) {
      const days = lastRecord.tls.daysLeft;
      const until = lastRecord.tls.validTo.slice(0, 10);
      md.appendMarkdown(
        days >= 0
          ? vscode.l10n.t('Certificate: {0} days left (until {1})', days, until)
          : vscode.l10n.t('Certificate: expired on {0}', until),
      );
      md.appendMarkdown('\n\n');
    }
    const location = lastRecord.location;
    if (location) {
      const where = location.local ? vscode.l10n.t('Local network') : [location.city, location.country].filter(Boolean).join(', ');
      if (where) {
        md.appendMarkdown(`${vscode.l10n.t('Location')}: `).appendText(where + (location.isp ? ` (${location.isp})` : ''));
        md.appendMarkdown('\n\n');
      }
    }
    if (lastRecord.anomalyScore !== null) {
      const flag = lastRecord.anomalyScore >= this.context.anomalyThreshold() ? ' $(warning)' : '';
      md.appendMarkdown(`${vscode.l10n.t('Anomaly score')}: ${lastRecord.anomalyScore.toFixed(2)}${flag}\n\n`);
    }
    const lastAnomaly = this.summary.lastAnomaly;
    if (lastAnomaly) {
      const at = new Date(lastAnomaly.startedAt).toLocaleTimeString(vscode.env.language);
      md.appendMarkdown(
        `$(warning) ${vscode.l10n.t('Last anomaly')}: ${at} (${formatAgo(lastAnomaly.startedAt, now)}) · ${formatLatency(lastAnomaly.totalMs)} · ${vscode.l10n.t('score {0}', lastAnomaly.score.toFixed(2))}`,
      );
      // Our own words about a phase of ours (the history's value is checked), still never read as markup.
      const phase = unusualPhaseSentence(lastAnomaly.unusualPhase);
      if (phase) md.appendMarkdown(' — ').appendText(phase);
      md.appendMarkdown('\n\n');
    }
    if (lastIncident) {
      const length = formatDuration((lastIncident.endedAt ?? now) - lastIncident.startedAt);
      md.appendMarkdown(
        `${vscode.l10n.t('Last incident')}: ${lastIncident.worst} ${new Date(lastIncident.startedAt).toLocaleString(vscode.env.language)}, `,
      );
      md.appendMarkdown(lastIncident.endedAt === null ? vscode.l10n.t('ongoing for {0}', length) : vscode.l10n.t('lasted {0}', length));
      if (lastIncident.message) md.appendMarkdown(' — ').appendText(lastIncident.message);
    }
    return md;
  }
}

export class IncidentNode {
  readonly kind = 'incident';

  constructor(
    readonly parent: TargetNode,
    readonly incident: Incident,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const { incident } = this;
    const now = Date.now();
    const length = formatDuration((incident.endedAt ?? now) - incident.startedAt);
    const label =
      incident.endedAt === null
        ? vscode.l10n.t('{0} now, for {1}', incident.worst, length)
        : vscode.l10n.t('{0} for {1}', incident.worst, length);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = `incident:${incident.targetId}:${incident.startedAt}`;
    item.iconPath = statusIcon(incident.worst);
    item.description = `${new Date(incident.startedAt).toLocaleString(vscode.env.language)}${incident.message ? ` · ${incident.message}` : ''}`;
    item.tooltip = new vscode.MarkdownString().appendText(`${label}\n\n${incident.message}`);
    item.contextValue = 'incident';
    return item;
  }
}

/** A settings entry that is not checked, and why: an untrusted workspace, a refused secret or an approval it waits for. */
export class HeldNode {
  readonly kind = 'held';

  constructor(readonly held: HeldEntry) {}

  toTreeItem(): vscode.TreeItem {
    const { held } = this;
    const item = new vscode.TreeItem(held.label, vscode.TreeItemCollapsibleState.None);
    item.id = `held:${held.origin.level}:${held.origin.folder?.uri ?? ''}:${held.origin.index}:${held.label}`;
    item.iconPath = new vscode.ThemeIcon(
      held.kind === 'untrusted' ? 'workspace-untrusted' : 'shield',
      new vscode.ThemeColor('networkMonitor.unknown'),
    );
    item.description =
      held.kind === 'untrusted'
        ? vscode.l10n.t('not checked until you trust this workspace')
        : held.kind === 'approval'
          ? vscode.l10n.t('waiting for your approval')
          : vscode.l10n.t('refused');
    item.tooltip = new vscode.MarkdownString().appendText(`${held.label}\n\n${held.reason}`);
    item.contextValue = `held+${held.kind}`;
    return item;
  }
}
