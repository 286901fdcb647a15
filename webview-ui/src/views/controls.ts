/** The range buttons and the target chips (a checkbox per target, with its live status). */
import { TIME_RANGES, type DashboardTarget, type DashboardTargetState, type RangeName } from '../../../src/shared/dashboardProtocol';
import * as l10n from '@vscode/l10n';
import { formatMs } from '../logic/chartData';
import { clear, el } from '../dom';

const RANGE_LABELS: Record<RangeName, string> = { '1h': '1 h', '24h': '24 h', '7d': '7 d', '30d': '30 d', '1y': '1 y' };

export class ControlsView {
  readonly element: HTMLElement;
  private readonly rangeButtons = new Map<RangeName, HTMLButtonElement>();
  private readonly chips: HTMLElement;

  constructor(
    onRange: (range: RangeName) => void,
    private readonly onToggle: (targetId: string, shown: boolean) => void,
  ) {
    this.element = el('header', 'controls');
    const top = el('div', 'controls-top');
    top.append(el('h1', undefined, 'Network Monitor'));
    const ranges = el('div', 'range-buttons');
    ranges.setAttribute('role', 'group');
    ranges.setAttribute('aria-label', l10n.t('Time range'));
    for (const range of TIME_RANGES) {
      const button = el('button', 'range', RANGE_LABELS[range]);
      button.type = 'button';
      button.dataset['range'] = range;
      button.addEventListener('click', () => onRange(range));
      ranges.append(button);
      this.rangeButtons.set(range, button);
    }
    top.append(ranges);
    this.chips = el('div', 'target-chips');
    this.chips.setAttribute('role', 'group');
    this.chips.setAttribute('aria-label', l10n.t('Targets shown'));
    this.element.append(top, this.chips);
  }

  setRange(range: RangeName): void {
    for (const [value, button] of this.rangeButtons) {
      button.classList.toggle('active', value === range);
      button.setAttribute('aria-pressed', String(value === range));
    }
  }

  setTargets(targets: readonly DashboardTarget[], shown: ReadonlySet<string>, states: ReadonlyMap<string, DashboardTargetState>): void {
    clear(this.chips);
    if (targets.length === 0) {
      this.chips.append(el('p', 'muted', l10n.t('No targets yet. Add one with "Network Monitor: Add Target" and it appears here.')));
      return;
    }
    for (const target of targets) {
      const state = states.get(target.id);
      const label = el('label', 'chip');
      label.title = `${target.url}${state?.message ? `\n${state.message}` : ''}`;
      const box = el('input');
      box.type = 'checkbox';
      box.checked = shown.has(target.id);
      box.dataset['targetId'] = target.id;
      box.addEventListener('change', () => this.onToggle(target.id, box.checked));
      const status = (state?.status ?? 'UNKNOWN').toLowerCase();
      label.append(box, el('span', `status-dot status-${status}`), el('span', undefined, target.name));
      if (state?.lastTotalMs != null && state.status !== 'DOWN') label.append(el('span', 'muted', formatMs(state.lastTotalMs)));
      this.chips.append(label);
    }
  }
}
