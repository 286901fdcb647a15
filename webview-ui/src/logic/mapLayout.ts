/** Decides where each target goes on the map, or in the "Local network" / "Location unknown" lists. */
import type { DashboardTarget, MapLocation } from '../../../src/shared/dashboardProtocol';

export interface PlacedMarker {
  target: DashboardTarget;
  location: MapLocation;
  /** Projected position in map units. */
  x: number;
  y: number;
}

export interface MapLayout {
  markers: PlacedMarker[];
  local: DashboardTarget[];
  unknown: DashboardTarget[];
}

export type Projector = (lonLat: [number, number]) => [number, number] | null;

/**
 * Targets at the same point (many servers share one country centroid) are spread on a small
 * circle around it, so each marker stays visible and hoverable.
 */
export function layoutMarkers(targets: readonly DashboardTarget[], project: Projector, spread = 7): MapLayout {
  const layout: MapLayout = { markers: [], local: [], unknown: [] };
  const groups = new Map<string, PlacedMarker[]>();
  for (const target of targets) {
    const location = target.location;
    if (location?.local) {
      layout.local.push(target);
      continue;
    }
    const projected = location && location.lat !== null && location.lon !== null ? project([location.lon, location.lat]) : null;
    if (!location || !projected) {
      layout.unknown.push(target);
      continue;
    }
    const key = `${Math.round(projected[0])},${Math.round(projected[1])}`;
    const marker = { target, location, x: projected[0], y: projected[1] };
    const group = groups.get(key);
    if (group) group.push(marker);
    else groups.set(key, [marker]);
  }
  for (const group of groups.values()) {
    if (group.length > 1) {
      const radius = spread * Math.max(1, group.length / 6);
      group.forEach((marker, i) => {
        const angle = (2 * Math.PI * i) / group.length - Math.PI / 2;
        marker.x += radius * Math.cos(angle);
        marker.y += radius * Math.sin(angle);
      });
    }
    layout.markers.push(...group);
  }
  return layout;
}

/** "Mountain View, United States", "United States", or null: the shared rule (geoLocation.ts). */
export { placeName } from '../../../src/shared/geoLocation';

/** "Google LLC (AS15169)", "AS15169", "Google LLC" or null. */
export function networkName(location: MapLocation | null): string | null {
  if (!location) return null;
  if (location.isp && location.asn !== null) return `${location.isp} (AS${location.asn})`;
  if (location.asn !== null) return `AS${location.asn}`;
  return location.isp;
}
