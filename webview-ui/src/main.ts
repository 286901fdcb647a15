// The dashboard front end: connects to the extension and starts the app.
import './dashboard.css';
import { DashboardApp } from './dashboardApp';
import { connectToHost } from './vscodeApi';

const host = connectToHost();
window.addEventListener('error', (event) => host.post({ type: 'webviewError', message: `${event.message} (${event.filename}:${event.lineno})` }));
window.addEventListener('unhandledrejection', (event) => host.post({ type: 'webviewError', message: String(event.reason) }));

const root = document.getElementById('app') ?? document.body;
new DashboardApp(host, root).start();
document.body.dataset['ready'] = 'true';
