/** Builders and file helpers shared by the store tests. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Database } from 'sql.js';
import type { CheckRecord } from '../../../src/core/store/checkRecord';
import { PACKED_LAYOUTS, PackedTable } from '../../../src/core/store/packedTables';
import { schemaVersion } from '../../../src/core/store/schema';
import { loadSqlJs } from '../../../src/core/store/sqlJsLoader';
import { SNAPSHOT_FILE } from '../../../src/core/store/sqlJsHistoryStore';

export function makeCheck(overrides: Partial<CheckRecord> & { startedAt: number }): CheckRecord {
  const totalMs = overrides.totalMs ?? 50;
  return {
    targetId: 't1',
    target: 'http://127.0.0.1:8080/',
    status: 'UP',
    reason: null,
    message: `HTTP 200 in ${totalMs} ms.`,
    statusCode: 200,
    totalMs,
    phases: { dns: 0, connect: 1.25, tls: 0, firstByte: totalMs - 2.5, transfer: 1.25 },
    tls: null,
    addresses: ['127.0.0.1'],
    anomalyScore: null,
    location: { country: null, countryCode: null, city: null, isp: null, asn: null, lat: null, lon: null, local: true },
    ...overrides,
  };
}

export function tempDirectory(t: { after: (fn: () => void) => void }): string {
  const directory = mkdtempSync(join(tmpdir(), 'nm-store-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/**
 * Opens the snapshot file with sql.js directly, as any SQLite tool would after gunzip, with the
 * packed spans moved back into their plain tables so a test can query every row with SQL.
 */
export async function openSnapshotDirectly(directory: string): Promise<Database> {
  const sql = await loadSqlJs();
  const db = new sql.Database(gunzipSync(readFileSync(join(directory, SNAPSHOT_FILE))));
  if (schemaVersion(db) >= 5) for (const layout of Object.values(PACKED_LAYOUTS)) new PackedTable(db, layout).unpackAll();
  return db;
}

export function queryRows(db: Database, sql: string, params: (number | string)[] = []): (number | string | null)[][] {
  const statement = db.prepare(sql);
  statement.bind(params);
  const rows: (number | string | null)[][] = [];
  while (statement.step()) rows.push(statement.get() as (number | string | null)[]);
  statement.free();
  return rows;
}
