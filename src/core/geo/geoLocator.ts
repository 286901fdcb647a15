/**
 * IP address -> location for the map and the report. Offline by default: the country comes from a
 * bundled MMDB file and the map point from the country's centroid. When the user allows it, an
 * online lookup adds city, ISP, ASN and precise coordinates.
 */
import { COUNTRY_CENTROIDS } from './countryCentroids';
import { CountryDatabase, type ReadDatabaseFile } from './countryDatabase';
import type { GeoLocation } from '../../shared/geoLocation';
import { isLocalAddress, parseIp } from './ipAddress';
import { OnlineGeoLookup, type OnlineGeoLookupOptions } from './onlineGeoLookup';

export interface GeoLocatorOptions {
  /** The .mmdb file shipped next to dist/ (dist/geo-whois-asn-country.mmdb). */
  databasePath: string;
  /** Whether the online lookup may be used; the setting is off by default. */
  onlineLookup?: boolean;
  online?: OnlineGeoLookupOptions;
  /** Hears why an online lookup failed; the location then falls back to the offline country. */
  onError?: (message: string) => void;
  readDatabaseFile?: ReadDatabaseFile;
}

const LOCAL_LOCATION: GeoLocation = Object.freeze({
  country: null,
  countryCode: null,
  city: null,
  isp: null,
  asn: null,
  lat: null,
  lon: null,
  local: true,
});

let regionNames: Intl.DisplayNames | undefined;

/** English country name for an alpha-2 code; the code itself where Intl has no name for it. */
export function countryName(code: string): string {
  try {
    regionNames ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

export class GeoLocator {
  private readonly database: CountryDatabase;
  private readonly onlineOptions: OnlineGeoLookupOptions;
  private readonly onError: ((message: string) => void) | undefined;
  private online: OnlineGeoLookup | undefined;

  constructor(options: GeoLocatorOptions) {
    this.database = new CountryDatabase(options.databasePath, options.readDatabaseFile);
    this.onlineOptions = options.online ?? {};
    this.onError = options.onError;
    this.setOnlineLookup(options.onlineLookup === true);
  }

  /** Turns the online lookup on or off (the setting changed). Off drops its cache. */
  setOnlineLookup(enabled: boolean): void {
    if (enabled && !this.online) this.online = new OnlineGeoLookup(this.onlineOptions);
    if (!enabled && this.online) {
      this.online.dispose();
      this.online = undefined;
    }
  }

  /**
   * Where `ip` is. Local-network addresses resolve without reading the database. Rejects when
   * `ip` is not an IP literal, or when the database file cannot be read.
   */
  async locate(ip: string): Promise<GeoLocation> {
    const parsed = parseIp(ip);
    if (!parsed) throw new Error(`"${ip}" is not an IPv4 or IPv6 address, so it cannot be located.`);
    if (isLocalAddress(parsed)) return { ...LOCAL_LOCATION };

    const online = this.online ? await this.online.lookup(parsed.address, this.onError) : null;
    const offlineCode = online?.countryCode ? null : await this.database.countryCodeOf(parsed);
    const countryCode = online?.countryCode ?? offlineCode;
    const centroid = countryCode !== null ? COUNTRY_CENTROIDS[countryCode] : undefined;
    const precise = online?.lat != null && online.lon != null;
    return {
      country: online?.country ?? (countryCode !== null ? countryName(countryCode) : null),
      countryCode,
      city: online?.city ?? null,
      isp: online?.isp ?? null,
      asn: online?.asn ?? null,
      lat: precise ? online.lat : (centroid?.[0] ?? null),
      lon: precise ? online.lon : (centroid?.[1] ?? null),
      local: false,
    };
  }

  dispose(): void {
    this.setOnlineLookup(false);
  }
}
