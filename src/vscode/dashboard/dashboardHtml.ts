/** The dashboard's HTML shell: a strict CSP, one stylesheet and one nonce'd module script. */
import { randomBytes } from 'node:crypto';

export interface DashboardHtmlParts {
  /** `webview.cspSource`. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce?: string;
  /** Lets end-to-end tests read the charts' state from the page (see webview-ui/src/main.ts). */
  testProbe?: boolean;
  /** The editor's display language and its l10n bundle (undefined in English), for the page's strings. */
  language?: string;
  l10nBundle?: Record<string, string>;
}

export function createNonce(): string {
  return randomBytes(18).toString('base64');
}

/** Attribute-safe text (the URIs come from VS Code, but nothing goes into HTML unescaped). */
function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    "connect-src 'none'",
  ].join('; ');
}

export function renderDashboardHtml(parts: DashboardHtmlParts): string {
  const nonce = parts.nonce ?? createNonce();
  return `<!DOCTYPE html>
<html lang="${attribute(parts.language ?? 'en')}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(contentSecurityPolicy(parts.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attribute(parts.styleUri)}">
<title>Network Monitor Dashboard</title>
</head>
<body${parts.testProbe ? ' data-test-probe="true"' : ''}${parts.l10nBundle ? ` data-l10n="${attribute(JSON.stringify(parts.l10nBundle))}"` : ''}>
<main id="app" aria-busy="true"><p class="loading">Loading the dashboard…</p></main>
<script type="module" nonce="${attribute(nonce)}" src="${attribute(parts.scriptUri)}"></script>
</body>
</html>`;
}
