/**
 * The dashboard webview panel: one panel, revealed if already open, restored after a window
 * reload through `DashboardSerializer` (declare `onWebviewPanel:networkMonitor.dashboard`).
 */
import * as vscode from 'vscode';
import type { ReportFormat, RangeName } from '../../shared/dashboardProtocol';
import type { DashboardDataSource } from './dashboardDataSource';
import { renderDashboardHtml } from './dashboardHtml';
import { DashboardSession } from './dashboardSession';
import { showMessage } from '../notifications/editorMessages';

export const DASHBOARD_VIEW_TYPE = 'networkMonitor.dashboard';
const TITLE = 'Network Monitor: Dashboard';
/** Set by the UI walks: the webview then lets them read its charts' state. */
const TEST_PROBE_VARIABLE = 'NM_DASHBOARD_TEST_PROBE';

export class DashboardPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private session: DashboardSession | undefined;
  private panelSubscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly dataSource: DashboardDataSource,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  private get webviewRoot(): vscode.Uri {
    return vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
  }

  /** Opens the dashboard, or brings the open one to the front. */
  show(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, TITLE, vscode.ViewColumn.Active, {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [this.webviewRoot],
    });
    this.attach(panel);
  }

  /** Adopts a panel VS Code restored after a reload. */
  restore(panel: vscode.WebviewPanel): void {
    if (this.panel) {
      // Only one dashboard: a second restored panel (two windows' state merged) is closed.
      panel.dispose();
      this.panel.reveal();
      return;
    }
    this.attach(panel);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    const webview = panel.webview;
    webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [this.webviewRoot] };
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'pulse.svg');
    const session = new DashboardSession(this.dataSource, {
      post: (message) => {
        // Posting to a hidden webview fails quietly; it asks again with `ready` when shown.
        void webview.postMessage(message).then(undefined, () => undefined);
      },
      saveReport: (content, format, range) => this.saveReport(content, format, range),
      log: (level, message) => this.log[level](message),
    });
    this.session = session;
    this.panelSubscriptions = [
      webview.onDidReceiveMessage((message: unknown) => {
        session.receive(message).catch((error: unknown) => this.log.error(`Dashboard: ${(error as Error).message}`));
      }),
      panel.onDidDispose(() => this.detach()),
    ];
    webview.html = renderDashboardHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.webviewRoot, 'dashboard.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.webviewRoot, 'dashboard.css')).toString(),
      testProbe: process.env[TEST_PROBE_VARIABLE] === '1',
      language: vscode.env.language,
      l10nBundle: vscode.l10n.bundle,
    });
  }

  private detach(): void {
    for (const subscription of this.panelSubscriptions) subscription.dispose();
    this.panelSubscriptions = [];
    this.session?.dispose();
    this.session = undefined;
    this.panel = undefined;
  }

  private async saveReport(content: string, format: ReportFormat, range: RangeName): Promise<boolean> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `network-monitor-report-${range}.${format}`;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: format === 'csv' ? { 'CSV (spreadsheet)': ['csv'] } : { JSON: ['json'] },
      saveLabel: 'Save Report',
    });
    if (!target) return false;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(content));
    void showMessage('info', `Network Monitor report saved to ${vscode.workspace.asRelativePath(target)}.`);
    return true;
  }

  dispose(): void {
    const panel = this.panel;
    this.detach();
    panel?.dispose();
  }
}

/** Restores the dashboard after a window reload. */
export class DashboardSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly dashboard: DashboardPanel) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, _state: unknown): Promise<void> {
    this.dashboard.restore(panel);
  }
}
