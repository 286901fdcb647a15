/**
 * The world map: Natural Earth 1:110m countries from world-atlas, bundled into the webview (no
 * tile server, no network), drawn once as SVG paths. One marker per located target, coloured by
 * state; local-network targets are listed beside the map instead.
 */
import { geoNaturalEarth1, geoPath, type GeoProjection } from 'd3-geo';
import * as l10n from '@vscode/l10n';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries110m from 'world-atlas/countries-110m.json';
import type { DashboardTarget, DashboardTargetState } from '../../../src/shared/dashboardProtocol';
import { layoutMarkers, networkName, placeName, type PlacedMarker } from '../logic/mapLayout';
import { MAP_HEIGHT, MAP_WIDTH, clampMapView, viewBoxOf, zoomMap, type MapView } from '../logic/uiState';
import { clear, el, svgEl } from '../dom';

const MARKER_RADIUS = 5;

export class WorldMapView {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly markerLayer: SVGGElement;
  private readonly land: SVGGElement;
  private countriesDrawn = false;
  private readonly tooltip: HTMLElement;
  private readonly sideLists: HTMLElement;
  private readonly projection: GeoProjection;
  private view: MapView;
  private markers: { marker: PlacedMarker; circle: SVGCircleElement }[] = [];
  private readonly abort = new AbortController();

  constructor(
    initialView: MapView,
    private readonly onViewChange: (view: MapView) => void,
  ) {
    this.view = clampMapView(initialView);
    this.element = el('section', 'card');
    const header = el('div', 'card-header');
    header.append(el('h2', undefined, l10n.t('Server locations')));
    const reset = el('button', 'secondary', l10n.t('Reset view'));
    reset.type = 'button';
    reset.addEventListener('click', () => this.setView({ zoom: 1, x: MAP_WIDTH / 2, y: MAP_HEIGHT / 2 }));
    header.append(reset);
    this.element.append(header);

    const body = el('div', 'map-body');
    const frame = el('div', 'map-frame');
    this.svg = svgEl('svg', { class: 'world-map', role: 'img', 'aria-label': l10n.t('World map of target locations') });
    this.projection = geoNaturalEarth1().fitExtent(
      [
        [4, 4],
        [MAP_WIDTH - 4, MAP_HEIGHT - 4],
      ],
      { type: 'Sphere' },
    );
    this.svg.append(svgEl('path', { d: geoPath(this.projection)({ type: 'Sphere' }) ?? '', class: 'sphere' }));
    this.land = svgEl('g', { class: 'countries' });
    this.markerLayer = svgEl('g', { class: 'markers' });
    this.svg.append(this.land, this.markerLayer);
    this.tooltip = el('div', 'map-tooltip');
    this.tooltip.setAttribute('role', 'tooltip');
    this.tooltip.hidden = true;
    frame.append(this.svg, this.tooltip);
    this.sideLists = el('div', 'map-side');
    body.append(frame, this.sideLists);
    this.element.append(body);
    this.applyView();
    this.enablePanAndZoom();
  }

  /**
   * Draws the country shapes (about 180 SVG paths projected from the bundled TopoJSON). Called
   * once the first chart is on screen: markers and the side lists do not need it, and it would
   * otherwise delay the first chart.
   */
  drawCountries(): void {
    if (this.countriesDrawn) return;
    this.countriesDrawn = true;
    const path = geoPath(this.projection);
    const topology = countries110m as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
    const shapes: SVGPathElement[] = [];
    for (const country of feature(topology, topology.objects.countries).features) {
      const d = path(country);
      if (d) shapes.push(svgEl('path', { d, class: 'country' }));
    }
    this.land.append(...shapes);
    this.svg.dataset['countries'] = String(shapes.length);
  }

  update(targets: readonly DashboardTarget[], states: ReadonlyMap<string, DashboardTargetState>): void {
    const layout = layoutMarkers(targets, (lonLat) => this.projection(lonLat) ?? null);
    clear(this.markerLayer);
    this.markers = layout.markers.map((marker) => {
      const status = states.get(marker.target.id)?.status ?? 'UNKNOWN';
      const circle = svgEl('circle', {
        cx: marker.x,
        cy: marker.y,
        r: MARKER_RADIUS / this.view.zoom,
        class: `marker status-${status.toLowerCase()}`,
        tabindex: 0,
      });
      circle.setAttribute('aria-label', `${marker.target.name}: ${status}, ${placeName(marker.location) ?? 'unknown location'}`);
      circle.dataset['targetId'] = marker.target.id;
      const show = (): void => this.showTooltip(marker, status, circle);
      circle.addEventListener('mouseenter', show);
      circle.addEventListener('focus', show);
      circle.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
      circle.addEventListener('blur', () => (this.tooltip.hidden = true));
      this.markerLayer.append(circle);
      return { marker, circle };
    });
    clear(this.sideLists);
    this.sideLists.append(this.targetList(l10n.t('Local network'), layout.local, states));
    if (layout.unknown.length > 0) this.sideLists.append(this.targetList(l10n.t('Location unknown'), layout.unknown, states));
    this.svg.dataset['markers'] = String(layout.markers.length);
  }

  private targetList(title: string, targets: readonly DashboardTarget[], states: ReadonlyMap<string, DashboardTargetState>): HTMLElement {
    const section = el('div', 'map-list');
    section.append(el('h3', undefined, title));
    if (targets.length === 0) {
      section.append(el('p', 'muted', l10n.t('None')));
      return section;
    }
    const list = el('ul');
    for (const target of targets) {
      const item = el('li');
      item.append(el('span', `status-dot status-${(states.get(target.id)?.status ?? 'UNKNOWN').toLowerCase()}`));
      item.append(el('span', undefined, target.name));
      if (target.address) item.append(el('span', 'muted', ` ${target.address}`));
      list.append(item);
    }
    section.append(list);
    return section;
  }

  private showTooltip(marker: PlacedMarker, status: string, circle: SVGCircleElement): void {
    const lines = [
      marker.target.name,
      `${status} · ${placeName(marker.location) ?? l10n.t('Unknown location')}`,
      networkName(marker.location) ?? 'ISP unknown (turn on the online location lookup for ISP and city)',
      marker.target.address ? `IP ${marker.target.address}` : null,
    ].filter((line): line is string => line !== null);
    this.tooltip.replaceChildren(...lines.map((line, i) => el('div', i === 0 ? 'tooltip-title' : undefined, line)));
    this.tooltip.hidden = false;
    const frame = this.svg.getBoundingClientRect();
    const dot = circle.getBoundingClientRect();
    // CSSOM properties, not a style attribute: allowed by the CSP without 'unsafe-inline'.
    this.tooltip.style.left = `${Math.min(frame.width - 220, Math.max(0, dot.left - frame.left + dot.width))}px`;
    this.tooltip.style.top = `${Math.max(0, dot.top - frame.top + dot.height)}px`;
  }

  private setView(view: MapView): void {
    this.view = clampMapView(view);
    this.applyView();
    this.onViewChange(this.view);
  }

  private applyView(): void {
    this.svg.setAttribute('viewBox', viewBoxOf(this.view).join(' '));
    for (const { circle } of this.markers) circle.setAttribute('r', String(MARKER_RADIUS / this.view.zoom));
  }

  private toMapPoint(clientX: number, clientY: number): [number, number] {
    const rect = this.svg.getBoundingClientRect();
    const [x, y, width, height] = viewBoxOf(this.view);
    // preserveAspectRatio meet: the drawing is scaled uniformly and centred.
    const scale = Math.min(rect.width / width, rect.height / height);
    const offsetX = (rect.width - width * scale) / 2;
    const offsetY = (rect.height - height * scale) / 2;
    return [x + (clientX - rect.left - offsetX) / scale, y + (clientY - rect.top - offsetY) / scale];
  }

  private enablePanAndZoom(): void {
    const signal = this.abort.signal;
    this.svg.addEventListener(
      'wheel',
      (event) => {
        event.preventDefault();
        const [px, py] = this.toMapPoint(event.clientX, event.clientY);
        this.setView(zoomMap(this.view, event.deltaY < 0 ? 1.25 : 0.8, px, py));
      },
      { passive: false, signal },
    );
    let drag: { x: number; y: number; view: MapView; scale: number } | null = null;
    this.svg.addEventListener(
      'pointerdown',
      (event) => {
        if ((event.target as Element).classList.contains('marker')) return;
        const rect = this.svg.getBoundingClientRect();
        const [, , width, height] = viewBoxOf(this.view);
        drag = { x: event.clientX, y: event.clientY, view: this.view, scale: Math.min(rect.width / width, rect.height / height) };
        this.svg.setPointerCapture(event.pointerId);
      },
      { signal },
    );
    this.svg.addEventListener(
      'pointermove',
      (event) => {
        if (!drag) return;
        const dx = (event.clientX - drag.x) / drag.scale;
        const dy = (event.clientY - drag.y) / drag.scale;
        this.view = clampMapView({ zoom: drag.view.zoom, x: drag.view.x - dx, y: drag.view.y - dy });
        this.applyView();
      },
      { signal },
    );
    const endDrag = (): void => {
      if (!drag) return;
      drag = null;
      this.onViewChange(this.view);
    };
    this.svg.addEventListener('pointerup', endDrag, { signal });
    this.svg.addEventListener('pointercancel', endDrag, { signal });
  }

  dispose(): void {
    this.abort.abort();
  }
}
