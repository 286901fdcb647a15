/** The sentence that names an anomalous check's unusual phase, for the notification and the tree's tooltip. */
import * as vscode from 'vscode';
import { type PhaseName, unusualPhaseFigures } from '../../shared/dashboardProtocol';

/** "The TLS handshake took 2.3 times its usual share of the check."; undefined when there is no valid phase. */
export function unusualPhaseSentence(value: unknown): string | undefined {
  const figures = unusualPhaseFigures(value);
  if (!figures) return undefined;
  return vscode.l10n.t('{0} took {1} times its usual share of the check.', phaseLabel(figures.phase), figures.factor);
}

/** What a user calls each phase of a check. */
function phaseLabel(phase: PhaseName): string {
  switch (phase) {
    case 'dns':
      return vscode.l10n.t('The DNS lookup');
    case 'connect':
      return vscode.l10n.t('The TCP connection');
    case 'tls':
      return vscode.l10n.t('The TLS handshake');
    case 'firstByte':
      return vscode.l10n.t('The wait for the first byte');
    case 'transfer':
      return vscode.l10n.t('The transfer');
  }
}
