/** Where a server's IP address is, as far as the location data knows. */
export interface GeoLocation {
  country: string | null;
  countryCode: string | null;
  city: string | null;
  isp: string | null;
  asn: number | null;
  lat: number | null;
  lon: number | null;
  /** Loopback, private, link-local, unique-local or carrier-grade NAT: shown as "Local network". */
  local: boolean;
}

/**
 * The one way a location reads as text, in the dashboard, the CLI's table, the API and every
 * export: "Local network", "City, Country", else the country (or its code, or the city alone),
 * or null when nothing is known.
 */
export function placeName(location: GeoLocation | null | undefined): string | null {
  if (!location) return null;
  if (location.local) return 'Local network';
  if (location.city && location.country) return `${location.city}, ${location.country}`;
  return location.country ?? location.countryCode ?? location.city ?? null;
}
