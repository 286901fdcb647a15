/** Uptime per shown target as a strip of status cells over the range, with the incidents listed below. */
import type { DashboardTarget, SeriesColumns } from '../../../src/shared/dashboardProtocol';
import { availability, cellStatus, findIncidents, formatDuration, formatPercent, formatTimestamp } from '../logic/chartData';
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
    this.element.append(el('h2', undefined, 'Uptime and incidents'));
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
      const strip = svgEl('svg', { viewBox: `0 0 ${STRIP_WIDTH} ${STRIP_HEIGHT}`, preserveAspectRatio: 'none', class: 'timeline-strip', role: 'img' });
      strip.setAttribute('aria-label', `Status of ${name} over the range`);
      strip.append(svgEl('rect', { x: 0, y: 0, width: STRIP_WIDTH, height: STRIP_HEIGHT, class: 'cell-none' }));
      const failures: SVGRectElement[] = [];
      for (let i = 0; i < series.t.length; i++) {
        const start = series.t[i]!;
        // A raw check covers the time until the next one (at most a bucket's worth of the strip).
        const end = series.bucketMs > 0 ? start + series.bucketMs : Math.min(series.t[i + 1] ?? to, start + span / 100);
        const x = Math.max(0, xOf(start));
        const status = cellStatus(series, i);
        // A failure stays visible however long the range: at least 0.3 % of the strip.
        const minimum = status === 'down' || status === 'partial' ? 3 : 0.8;
        const width = Math.max(minimum, Math.min(STRIP_WIDTH, xOf(end)) - x);
        const cell = svgEl('rect', { x, y: 0, width, height: STRIP_HEIGHT, class: `cell-${status}` });
        // Failures go on top, so the widened failure cells are not covered by the next cell.
        if (minimum > 1) failures.push(cell);
        else strip.append(cell);
      }
      strip.append(...failures);
      row.append(strip);
      row.append(el('span', 'timeline-uptime', formatPercent(availability(series))));
      this.rows.append(row);
      for (const incident of findIncidents(series)) allIncidents.push({ name, ...incident });
    }
    clear(this.incidents);
    if (seriesList.length === 0) {
      this.incidents.append(el('p', 'muted', 'Select a target to see its uptime.'));
      return;
    }
    if (allIncidents.length === 0) {
      this.incidents.append(el('p', 'muted', 'No failed checks in this range.'));
      return;
    }
    allIncidents.sort((a, b) => b.from - a.from);
    const list = el('ul', 'incident-list');
    for (const incident of allIncidents.slice(0, MAX_INCIDENTS)) {
      const item = el('li');
      item.append(el('span', 'status-dot status-down'));
      item.append(document.createTextNode(
        `${incident.name}: ${incident.failedChecks} failed check${incident.failedChecks === 1 ? '' : 's'} from ${formatTimestamp(incident.from)}, over ${formatDuration(Math.max(0, incident.to - incident.from))}`,
      ));
      list.append(item);
    }
    this.incidents.append(list);
    if (allIncidents.length > MAX_INCIDENTS) this.incidents.append(el('p', 'muted', `…and ${allIncidents.length - MAX_INCIDENTS} earlier incidents.`));
  }
}
