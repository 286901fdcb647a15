/**
 * The offline IP-to-country database: an MMDB file from @ip-location-db/geo-whois-asn-country-mmdb
 * (country level only; data from the regional internet registries' WHOIS and ASN records and
 * published geofeeds). Read once, on the first lookup, never at import: the file is 7.8 MB.
 */
import { readFile } from 'node:fs/promises';
import { Reader, type Response } from 'mmdb-lib';
import type { ParsedIp } from './ipAddress';

interface CountryRecord {
  country_code?: unknown;
}

export type ReadDatabaseFile = (path: string) => Promise<Buffer>;

export class CountryDatabase {
  private reader: Promise<Reader<Response>> | undefined;

  constructor(
    private readonly path: string,
    private readonly readDatabaseFile: ReadDatabaseFile = (path) => readFile(path),
  ) {}

  /** The ISO 3166-1 alpha-2 code for the address, or null when the database has none. */
  async countryCodeOf(ip: ParsedIp): Promise<string | null> {
    const reader = await this.load();
    // This database's records carry only `country_code`, not the GeoIP2 shape mmdb-lib types.
    const record = reader.get(ip.address) as CountryRecord | null;
    const code = record?.country_code;
    return typeof code === 'string' && /^[A-Z]{2}$/.test(code) ? code : null;
  }

  private load(): Promise<Reader<Response>> {
    this.reader ??= this.readDatabaseFile(this.path).then(
      (buffer) => new Reader<Response>(buffer),
      (error: unknown) => {
        throw new Error(
          `The IP location database could not be read from ${this.path} (${(error as Error).message}). Server locations stay unknown until the extension is reinstalled.`,
        );
      },
    );
    return this.reader;
  }
}
