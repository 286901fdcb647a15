/**
 * The dashboard's strings in the editor's display language: the extension puts its l10n bundle
 * (vscode.l10n.bundle, the same l10n/bundle.l10n.*.json files) on the page, and `configureL10n`
 * hands it to @vscode/l10n before any view is built. With no bundle (English), `l10n.t` returns
 * the English text. Views import @vscode/l10n themselves (so `npm run l10n` finds their strings)
 * and call `l10n.t` only once the page is configured, never at module load.
 */
import * as l10n from '@vscode/l10n';

export function configureL10n(): void {
  const raw = document.body.dataset['l10n'];
  if (!raw) return;
  try {
    const contents = JSON.parse(raw) as Record<string, string>;
    if (Object.keys(contents).length > 0) l10n.config({ contents });
  } catch {
    // A broken bundle leaves the dashboard in English.
  }
}
