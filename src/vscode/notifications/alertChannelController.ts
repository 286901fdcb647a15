/**
 * Alert channels in the editor: Add Alert Channel asks for a format (webhook, Slack, Teams,
 * Discord), a name and the channel's address, keeps the address in Secret Storage (a Slack or
 * Discord webhook address is its credential) and the name and format in the user setting
 * `networkMonitor.alertChannels`, which a workspace cannot set. The checking window posts every
 * alert and recovery of an unmuted target to each channel (core/alerts/alertDelivery.ts); the
 * other windows hear no events, so each message goes out once.
 */
import * as vscode from 'vscode';
import { AlertDelivery, type AlertChannel, alertChannelUrlProblem } from '../../core/alerts/alertDelivery';
import { ALERT_CHANNEL_FORMATS, type AlertChannelFormat, type AlertMessage, templateProblem } from '../../core/alerts/alertMessages';
import type { ProxySettings } from '../../core/probes/proxySettings';
import type { MonitorService } from '../monitor/monitorService';
import type { MuteList } from './muteList';
import { showMessage } from './editorMessages';

const SECTION = 'networkMonitor';
const SETTING = 'alertChannels';
const SECRET_PREFIX = 'networkMonitor.alertChannel.';
const CHANNEL_NAME = /^[\w .-]{1,64}$/;

/** One entry of `networkMonitor.alertChannels`; the address is in Secret Storage under its name. */
interface ChannelEntry {
  name: string;
  format: AlertChannelFormat;
  template?: string;
}

/** Arguments for adding a channel without the interactive steps; only from our own code and tests (commandArguments.ts). */
export interface AddAlertChannelArguments {
  name: string;
  format: AlertChannelFormat;
  url: string;
  template?: string;
}

export class AlertChannelController implements vscode.Disposable {
  private readonly delivery: AlertDelivery;
  private readonly subscriptions: vscode.Disposable[];
  /** Problems already shown as a notification, so a failing channel does not nag. */
  private readonly shownProblems = new Set<string>();
  private loading: Promise<void> = Promise.resolve();

  constructor(
    private readonly monitor: MonitorService,
    private readonly secrets: vscode.SecretStorage,
    private readonly mutes: MuteList,
    private readonly log: vscode.LogOutputChannel,
    /** The proxy the probes use (VS Code's http.proxy settings): company networks reach Slack through it too. */
    proxy: () => ProxySettings,
  ) {
    this.delivery = new AlertDelivery([], {
      proxy,
      onProblem: (problem) => this.reportProblem(problem),
      onDelivered: (channel, message) =>
        this.log.info(
          `Sent the ${message.kind === 'alert' ? 'alert' : 'recovery'} of ${message.targetName} to alert channel "${channel}".`,
        ),
    });
    this.subscriptions = [
      monitor.onEvent((event) => {
        if ((event.type === 'alert' || event.type === 'recovered') && !this.mutes.isMuted(event.target.id)) this.delivery.handle(event);
      }),
      vscode.workspace.onDidChangeConfiguration((event) => event.affectsConfiguration(`${SECTION}.${SETTING}`) && void this.reload()),
      secrets.onDidChange((event) => event.key.startsWith(SECRET_PREFIX) && void this.reload()),
    ];
  }

  /** The channels in force, by name (the test API reads them). */
  get channelNames(): string[] {
    return this.delivery.channelNames;
  }

  /** Reads the channels from the settings and their addresses from Secret Storage. */
  reload(): Promise<void> {
    this.loading = this.loading.then(async () => {
      const channels: AlertChannel[] = [];
      for (const entry of this.entries()) {
        const url = await this.secrets.get(SECRET_PREFIX + entry.name);
        if (!url) {
          this.reportProblem(
            vscode.l10n.t(
              'Alert channel "{0}" has no address in this editor\'s secret storage; run Add Alert Channel again with that name.',
              entry.name,
            ),
          );
          continue;
        }
        channels.push({ name: entry.name, format: entry.format, url, template: entry.format === 'webhook' ? entry.template : undefined });
      }
      this.delivery.setChannels(channels);
    });
    return this.loading;
  }

  /** Asks for (or takes) a channel's format, name and address, and keeps it. */
  async add(args?: AddAlertChannelArguments): Promise<void> {
    const format = args?.format ?? (await this.askFormat());
    if (!format) return;
    if (!(ALERT_CHANNEL_FORMATS as readonly string[]).includes(format))
      throw new Error(vscode.l10n.t('"{0}" is not an alert channel format: use webhook, slack, teams or discord.', String(format)));
    const name =
      args?.name ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('Add Alert Channel (2/3)'),
        prompt: vscode.l10n.t('A name for the channel, shown in messages about it. An existing name replaces that channel.'),
        placeHolder: 'team-ops',
        ignoreFocusOut: true,
        validateInput: (text) =>
          CHANNEL_NAME.test(text) ? undefined : vscode.l10n.t('Use 1 to 64 letters, digits, spaces, ".", "_" or "-".'),
      }));
    if (!name) return;
    if (!CHANNEL_NAME.test(name))
      throw new Error(vscode.l10n.t('"{0}" is not a valid channel name: use 1 to 64 letters, digits, spaces, ".", "_" or "-".', name));
    const url =
      args?.url ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('Add Alert Channel (3/3)'),
        prompt: vscode.l10n.t("The address messages are posted to. It is kept in the editor's secret storage, never in settings files."),
        password: true,
        ignoreFocusOut: true,
        validateInput: (text) => alertChannelUrlProblem(text.trim()),
      }));
    if (!url) return;
    const urlProblem = alertChannelUrlProblem(url.trim());
    if (urlProblem) throw new Error(urlProblem);
    const template = args?.template;
    if (template !== undefined) {
      const problem = templateProblem(template);
      if (problem) throw new Error(problem);
    }
    await this.secrets.store(SECRET_PREFIX + name, url.trim());
    // Other entries stay as the user wrote them, broken ones included: an edit loses nothing.
    const entries = [
      ...this.rawEntries().filter((entry) => !hasName(entry, name)),
      { name, format, ...(template !== undefined && format === 'webhook' ? { template } : {}) },
    ];
    await vscode.workspace.getConfiguration(SECTION).update(SETTING, entries, vscode.ConfigurationTarget.Global);
    await this.reload();
  }

  /** Removes a channel and its address. */
  async remove(name?: string): Promise<void> {
    const chosen = name ?? (await vscode.window.showQuickPick(this.channelNames, { title: vscode.l10n.t('Remove Alert Channel') }));
    if (!chosen) return;
    await this.secrets.delete(SECRET_PREFIX + chosen);
    await vscode.workspace.getConfiguration(SECTION).update(
      SETTING,
      this.rawEntries().filter((entry) => !hasName(entry, chosen)),
      vscode.ConfigurationTarget.Global,
    );
    await this.reload();
  }

  /** Posts a test message to every channel, so a user sees the set-up work. */
  async sendTest(): Promise<void> {
    await this.loading;
    if (this.delivery.channelCount === 0) {
      void showMessage('info', vscode.l10n.t('No alert channel is set up: run Add Alert Channel first.'));
      return;
    }
    const now = Date.now();
    const message: AlertMessage = {
      id: `test:${now}`,
      kind: 'alert',
      targetId: 'test',
      targetName: 'Network Monitor test',
      url: 'https://example.invalid/',
      status: 'DOWN',
      detail: vscode.l10n.t('This is a test message; nothing is down.'),
      at: now,
      consecutiveFailures: 0,
      downtimeMs: null,
      text: vscode.l10n.t('Network Monitor test message: alerts and recoveries will arrive here.'),
    };
    this.delivery.send(message);
    await this.delivery.idle();
    void showMessage(
      'info',
      vscode.l10n.t(
        'A test message was sent to {0} alert channel(s); problems, if any, are in the log.',
        String(this.delivery.channelCount),
      ),
    );
  }

  /** The user's own entries: a workspace value is never read, since it could add channels a user did not. */
  private rawEntries(): unknown[] {
    const raw = vscode.workspace.getConfiguration(SECTION).inspect<unknown>(SETTING)?.globalValue;
    return Array.isArray(raw) ? raw : [];
  }

  /** The usable entries; each unusable one is reported (once) and skipped, left in the settings. */
  private entries(): ChannelEntry[] {
    const entries: ChannelEntry[] = [];
    for (const item of this.rawEntries()) {
      const entry = item as Partial<ChannelEntry> | null;
      if (
        !entry ||
        typeof entry.name !== 'string' ||
        !CHANNEL_NAME.test(entry.name) ||
        !(ALERT_CHANNEL_FORMATS as readonly string[]).includes(String(entry.format))
      ) {
        this.reportProblem(
          vscode.l10n.t(
            'An entry of networkMonitor.alertChannels is not usable (it needs a "name" and a "format" of webhook, slack, teams or discord) and was skipped: {0}',
            JSON.stringify(item),
          ),
        );
        continue;
      }
      if (entry.template !== undefined && (typeof entry.template !== 'string' || templateProblem(entry.template))) {
        this.reportProblem(
          typeof entry.template === 'string'
            ? `${entry.name}: ${templateProblem(entry.template)!}`
            : vscode.l10n.t('{0}: "template" must be a JSON text.', entry.name),
        );
        continue;
      }
      entries.push({ name: entry.name, format: entry.format as AlertChannelFormat, template: entry.template });
    }
    return entries;
  }

  private reportProblem(problem: string): void {
    this.log.warn(problem);
    if (this.shownProblems.has(problem)) return;
    this.shownProblems.add(problem);
    const showLog = vscode.l10n.t('Show Log');
    void showMessage('warning', problem, showLog).then((choice) => choice === showLog && this.log.show());
  }

  private async askFormat(): Promise<AlertChannelFormat | undefined> {
    const items: (vscode.QuickPickItem & { format: AlertChannelFormat })[] = [
      { label: 'Slack', description: vscode.l10n.t('an incoming webhook'), format: 'slack' },
      { label: 'Microsoft Teams', description: vscode.l10n.t('a workflow that posts to a channel'), format: 'teams' },
      { label: 'Discord', description: vscode.l10n.t('a channel webhook'), format: 'discord' },
      { label: vscode.l10n.t('Webhook'), description: vscode.l10n.t('any URL that takes a JSON POST'), format: 'webhook' },
    ];
    return (
      await vscode.window.showQuickPick(items, {
        title: vscode.l10n.t('Add Alert Channel (1/3)'),
        placeHolder: vscode.l10n.t('Where alerts go'),
      })
    )?.format;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.delivery.dispose();
  }
}

function hasName(entry: unknown, name: string): boolean {
  return typeof entry === 'object' && entry !== null && (entry as { name?: unknown }).name === name;
}
