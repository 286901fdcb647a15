/**
 * The only state the webview keeps across reloads (through `vscode.setState`): what the user
 * chose to look at. Data always comes from the host after `ready`.
 */
import { isRangeName, type RangeName } from '../../../src/shared/dashboardProtocol';

export interface MapView {
  /** Zoom factor, 1 = whole world. */
  zoom: number;
  /** Centre of the view in map units (0..960 x 0..500). */
  x: number;
  y: number;
}

export interface UiState {
  version: 1;
  /** Shown targets; null = all (the default, so new targets appear without a click). */
  selected: string[] | null;
  range: RangeName;
  /** The target whose phase breakdown is shown; null = the first shown. */
  focused: string | null;
  map: MapView;
}

export const MAP_WIDTH = 960;
export const MAP_HEIGHT = 500;
export const MAX_ZOOM = 8;

export const DEFAULT_UI_STATE: UiState = {
  version: 1,
  selected: null,
  range: '24h',
  focused: null,
  map: { zoom: 1, x: MAP_WIDTH / 2, y: MAP_HEIGHT / 2 },
};

function finite(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/** Reads whatever `getState()` returned (maybe from an older version, maybe nothing) into a valid state. */
export function restoreUiState(raw: unknown): UiState {
  if (typeof raw !== 'object' || raw === null) return structuredClone(DEFAULT_UI_STATE);
  const record = raw as Record<string, unknown>;
  const selected =
    Array.isArray(record['selected']) && record['selected'].every((id) => typeof id === 'string')
      ? (record['selected'] as string[]).slice(0, 1000)
      : null;
  const map = typeof record['map'] === 'object' && record['map'] !== null ? (record['map'] as Record<string, unknown>) : {};
  return {
    version: 1,
    selected,
    range: isRangeName(record['range']) ? record['range'] : DEFAULT_UI_STATE.range,
    focused: typeof record['focused'] === 'string' ? record['focused'] : null,
    map: {
      zoom: finite(map['zoom'], 1, MAX_ZOOM, 1),
      x: finite(map['x'], 0, MAP_WIDTH, MAP_WIDTH / 2),
      y: finite(map['y'], 0, MAP_HEIGHT, MAP_HEIGHT / 2),
    },
  };
}

/** The targets to show: the saved selection minus targets that no longer exist, or all. */
export function shownTargetIds(state: UiState, targetIds: readonly string[]): string[] {
  if (state.selected === null) return [...targetIds];
  const existing = new Set(targetIds);
  return state.selected.filter((id) => existing.has(id));
}

export function toggleTarget(state: UiState, targetIds: readonly string[], id: string, shown: boolean): UiState {
  const current = new Set(shownTargetIds(state, targetIds));
  if (shown) current.add(id);
  else current.delete(id);
  // Keep the configured order; "all shown" is stored as null so targets added later show too.
  const selected = targetIds.filter((t) => current.has(t));
  return { ...state, selected: selected.length === targetIds.length ? null : selected };
}

/** Zooms by `factor` around map point (px, py), keeping that point under the cursor. */
export function zoomMap(view: MapView, factor: number, px: number, py: number): MapView {
  const zoom = Math.min(MAX_ZOOM, Math.max(1, view.zoom * factor));
  const scale = view.zoom / zoom;
  return clampMapView({ zoom, x: px + (view.x - px) * scale, y: py + (view.y - py) * scale });
}

/** Keeps the visible window inside the map. */
export function clampMapView(view: MapView): MapView {
  const halfWidth = MAP_WIDTH / view.zoom / 2;
  const halfHeight = MAP_HEIGHT / view.zoom / 2;
  return {
    zoom: view.zoom,
    x: Math.min(MAP_WIDTH - halfWidth, Math.max(halfWidth, view.x)),
    y: Math.min(MAP_HEIGHT - halfHeight, Math.max(halfHeight, view.y)),
  };
}

export function viewBoxOf(view: MapView): [number, number, number, number] {
  const width = MAP_WIDTH / view.zoom;
  const height = MAP_HEIGHT / view.zoom;
  return [view.x - width / 2, view.y - height / 2, width, height];
}
