/** Uptime per shown target as a strip of status cells over the range, with the incidents listed below. */
import type { DashboardTarget, SeriesColumns } from '../../../src/shared/dashboardProtocol';
import * as l10n from '@vscode/l10n';
import { availability, cellRuns, findIncidents, formatDuration, formatPercent, formatTimestamp, isFailure } from '../logic/chartData';
import { clear, el, svgEl } from '../dom';

const STRIP_WIDTH = 1000;
const STRIP_HEIGHT = 20;
const MAX_INCIDENTS = 20;

export class StatusTimelineView {
  readonly element: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly incidents: HTMLElement;

  constructor() {
    this.element = el('section', 'card');
    this.element.append(el('h2', undefined, l10n.t('Uptime and incidents')));
    this.rows = el('div', 'timeline-rows');
    this.incidents = el('div', 'incidents');
    this.element.append(this.rows, this.incidents);
  }

  update(seriesList: readonly SeriesColumns[], targets: ReadonlyMap<string, DashboardTarget>, from: number, to: number): void {
    clear(this.rows);
    const span = Math.max(1, to - from);
    const xOf = (t: number): number => ((t - from) / span) * STRIP_WIDTH;
    const allIncidents: { name: string; from: number; to: number; failedChecks: number }[] = [];
    for (const series of seriesList) {
      const name = targets.get(series.targetId)?.name ?? series.targetId;
      const row = el('div', 'timeline-row');
      row.append(el('span', 'timeline-name', name));
      const strip = svgEl('svg', {
        viewBox: `0 0 ${STRIP_WIDTH} ${STRIP_HEIGHT}`,
        preserveAspectRatio: 'none',
        class: 'timeline-strip',
        role: 'img',
      });
      strip.setAttribute('aria-label', `Status of ${name} over the range`);
      strip.append(svgEl('rect', { x: 0, y: 0, width: STRIP_WIDTH, height: STRIP_HEIGHT, class: 'cell-none' }));
      const runs = cellRuns(series, xOf, to, span, STRIP_WIDTH);
      // Failures go on top, so the widened failure cells are not covered by the next cell.
      for (const failures of [false, true]) {
        for (const run of runs) {
          if (isFailure(run.status) !== failures) continue;
          strip.append(svgEl('rect', { x: run.x, y: 0, width: run.end - run.x, height: STRIP_HEIGHT, class: `cell-${run.status}` }));
        }
      }
      row.append(strip);
      row.append(el('span', 'timeline-uptime', formatPercent(availability(series))));
      this.rows.append(row);
      for (const incident of findIncidents(series)) allIncidents.push({ name, ...incident });
    }
    clear(this.incidents);
    if (seriesList.length === 0) {
      this.incidents.append(el('p', 'muted', l10n.t('Select a target to see its uptime.')));
      return;
    }
    if (allIncidents.length === 0) {
      this.incidents.append(el('p', 'muted', l10n.t('No failed checks in this range.')));
      return;
    }
    allIncidents.sort((a, b) => b.from - a.from);
    const list = el('ul', 'incident-list');
    for (const incident of allIncidents.slice(0, MAX_INCIDENTS)) {
      const item = el('li');
      item.append(el('span', 'status-dot status-down'));
      item.append(
        document.createTextNode(
          `${incident.name}: ${incident.failedChecks} failed check${incident.failedChecks === 1 ? '' : 's'} from ${formatTimestamp(incident.from)}, over ${formatDuration(Math.max(0, incident.to - incident.from))}`,
        ),
      );
      list.append(item);
    }
    this.incidents.append(list);
    if (allIncidents.length > MAX_INCIDENTS)
      this.incidents.append(el('p', 'muted', `…and ${allIncidents.length - MAX_INCIDENTS} earlier incidents.`));
  }
}
