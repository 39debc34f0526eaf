import type { SqlExecutor } from './sql-client.js';

/** Rows deleteInChunks deletes in one statement. */
export const DELETE_CHUNK_ROWS = 2000;

/**
 * Deletes the rows of `table` matching `where` (a condition on its columns, with `params`
 * as $1, $2, ...), at most `chunkRows` in each statement, until fewer are left; returns how
 * many. Between two statements the connection is free: on the embedded row store (one
 * connection) the API's reads go in between. The demo's first prune deletes its
 * history's 166,000 fares: in one statement a `SELECT 1` waited 1.1-1.2 s for it, in
 * statements of 2,000 at most 0.2 s (the vacuum after), for a prune three times as long
 * (each statement scans for its rows again). Each statement is a transaction of its own,
 * so a stop or a failure leaves a part deleted, which the next prune finishes. `table`
 * and `where` are SQL, never input.
 */
export async function deleteInChunks(
  db: SqlExecutor,
  table: string,
  where: string,
  params: readonly unknown[],
  chunkRows = DELETE_CHUNK_ROWS,
): Promise<number> {
  if (!(Number.isInteger(chunkRows) && chunkRows >= 1))
    throw new RangeError(`chunkRows must be a positive integer (got ${chunkRows})`);
  let total = 0;
  for (;;) {
    const [r] = await db.query<{ n: number | string }>(
      `WITH d AS (DELETE FROM ${table} WHERE ctid IN (
         SELECT ctid FROM ${table} WHERE ${where} LIMIT ${chunkRows}) RETURNING 1)
       SELECT count(*) AS n FROM d`,
      params,
    );
    const n = Number(r?.n ?? 0);
    total += n;
    if (n < chunkRows) return total;
  }
}
