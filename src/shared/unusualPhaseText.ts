/**
 * The sentence that names an anomalous check's unusual phase, one wording for the notification,
 * the Targets tooltip and the dashboard. It translates with @vscode/l10n, which the page and the
 * extension (at activation, from vscode.l10n.bundle) both configure with the same bundle.
 */
import * as l10n from '@vscode/l10n';
import { type PhaseName, unusualPhaseFigures } from './dashboardProtocol';

/** "The TLS handshake took 2.3 times its usual share of the check."; undefined when there is no valid phase. */
export function unusualPhaseSentence(value: unknown): string | undefined {
  const figures = unusualPhaseFigures(value);
  if (!figures) return undefined;
  return l10n.t('{0} took {1} times its usual share of the check.', phaseLabel(figures.phase), figures.factor);
}

/** What a user calls each phase of a check. */
function phaseLabel(phase: PhaseName): string {
  switch (phase) {
    case 'dns':
      return l10n.t('The DNS lookup');
    case 'connect':
      return l10n.t('The TCP connection');
    case 'tls':
      return l10n.t('The TLS handshake');
    case 'firstByte':
      return l10n.t('The wait for the first byte');
    case 'transfer':
      return l10n.t('The transfer');
  }
}
