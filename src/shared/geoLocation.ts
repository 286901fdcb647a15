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
