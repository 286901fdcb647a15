/** The one loop that reads a query's rows, shared by the database and its packed tables. */
import type { Database, SqlValue } from 'sql.js';

/** Every row `sql` returns for `params`, as arrays of column values; the statement is always freed. */
export function selectRows(db: Database, sql: string, params: SqlValue[] = []): SqlValue[][] {
  const statement = db.prepare(sql);
  try {
    statement.bind(params);
    const rows: SqlValue[][] = [];
    while (statement.step()) rows.push(statement.get());
    return rows;
  } finally {
    statement.free();
  }
}
