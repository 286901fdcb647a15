// The dashboard front end: connects to the extension and starts the app.
import './dashboard.css';
import { DashboardApp } from './dashboardApp';
import { configureL10n } from './l10n';
import { connectToHost } from './vscodeApi';

const host = connectToHost();
window.addEventListener('error', (event) =>
  host.post({ type: 'webviewError', message: `${event.message} (${event.filename}:${event.lineno})` }),
);
window.addEventListener('unhandledrejection', (event) => host.post({ type: 'webviewError', message: String(event.reason) }));
// Something blocked by the content security policy is a bug in the dashboard: log it in the
// extension's log, and count it on the page for the end-to-end tests.
document.addEventListener('securitypolicyviolation', (event) => {
  host.post({
    type: 'webviewError',
    message: `Blocked by the content security policy (${event.violatedDirective}): ${event.blockedURI || 'inline code'}`,
  });
  document.body.dataset['cspViolations'] = String(Number(document.body.dataset['cspViolations'] ?? '0') + 1);
});

configureL10n();
const root = document.getElementById('app') ?? document.body;
const app = new DashboardApp(host, root);
// Only when the extension was started for tests (NM_DASHBOARD_TEST_PROBE=1): lets an end-to-end
// test read what Chart.js drew. The page is the webview's own; nothing else can reach it.
if (document.body.dataset['testProbe'] === 'true') {
  (window as unknown as { networkMonitorDashboard: unknown }).networkMonitorDashboard = { snapshot: () => app.testSnapshot() };
}
app.start();
document.body.dataset['ready'] = 'true';
