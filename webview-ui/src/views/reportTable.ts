/** The report: one row per target over the chosen range, exportable as CSV or JSON. */
import type { ReportFormat, ReportRow } from '../../../src/shared/dashboardProtocol';
import * as l10n from '@vscode/l10n';
import { formatMs, formatPercent } from '../logic/chartData';
import { el } from '../dom';

/** Read when the table is built, after the page's language is configured. */
const headers = (): string[] => [
  l10n.t('Target'),
  l10n.t('Availability'),
  l10n.t('Avg'),
  l10n.t('p95 Response'),
  l10n.t('Location'),
  l10n.t('Anomalies'),
  l10n.t('Last Status'),
  l10n.t('Certificate days left'),
];
const NUMERIC = new Set([1, 2, 3, 5, 7]);

export class ReportTableView {
  readonly element: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly note: HTMLElement;

  constructor(onExport: (format: ReportFormat) => void, onRefresh: () => void) {
    this.element = el('section', 'card');
    const header = el('div', 'card-header');
    header.append(el('h2', undefined, l10n.t('Report')));
    const actions = el('div', 'actions');
    const refresh = el('button', 'secondary', l10n.t('Refresh'));
    refresh.type = 'button';
    refresh.addEventListener('click', onRefresh);
    actions.append(refresh);
    for (const format of ['csv', 'json'] as const) {
      const button = el('button', 'secondary', `Export ${format.toUpperCase()}`);
      button.type = 'button';
      button.addEventListener('click', () => onExport(format));
      actions.append(button);
    }
    header.append(actions);
    this.element.append(header);
    const wrapper = el('div', 'table-wrapper');
    const table = el('table', 'report');
    table.id = 'report-table';
    const head = el('thead');
    const headRow = el('tr');
    headers().forEach((text, i) => {
      const th = el('th', NUMERIC.has(i) ? 'numeric' : undefined, text);
      th.scope = 'col';
      headRow.append(th);
    });
    head.append(headRow);
    this.body = el('tbody');
    table.append(head, this.body);
    wrapper.append(table);
    this.note = el('p', 'muted', l10n.t('Loading…'));
    this.element.append(wrapper, this.note);
  }

  update(rows: readonly ReportRow[]): void {
    this.body.replaceChildren(
      ...rows.map((row) => {
        const tr = el('tr');
        const cert = row.certDaysLeft;
        const cells: [string, string | undefined][] = [
          [row.name, undefined],
          [formatPercent(row.availability), undefined],
          [formatMs(row.avgMs), undefined],
          [formatMs(row.p95Ms), undefined],
          [row.location ?? '–', undefined],
          [String(row.anomalies), row.anomalies > 0 ? 'warn' : undefined],
          [row.lastStatus, `status-text status-${row.lastStatus.toLowerCase()}`],
          [cert === null ? '–' : cert < 0 ? `expired ${-cert} days ago` : String(cert), cert !== null && cert <= 14 ? 'warn' : undefined],
        ];
        cells.forEach(([text, className], i) => {
          const td = el('td', [NUMERIC.has(i) ? 'numeric' : '', className ?? ''].join(' ').trim() || undefined, text);
          if (i === 0) td.title = row.url;
          tr.append(td);
        });
        return tr;
      }),
    );
    this.note.textContent = rows.length === 0 ? 'No targets yet: add one with "Network Monitor: Add Target".' : '';
  }

  showError(message: string): void {
    this.note.textContent = message;
  }
}
