import type { SqlClient } from '../sql-client.js';

/** Calls a CountingClient passed on to its client (a transaction counts once). */
export interface SqlCallCounts {
  query: number;
  exec: number;
  transaction: number;
  batch: number;
  /** Statements in every batch together. */
  statementsInBatches: number;
}

/**
 * `client` behind a wrapper that counts the calls reaching it: how many trips a write
 * takes to the database (on the embedded row store, each is a message to its thread).
 */
export function countingClient(client: SqlClient): { calls: SqlCallCounts; client: SqlClient } {
  const calls: SqlCallCounts = {
    query: 0,
    exec: 0,
    transaction: 0,
    batch: 0,
    statementsInBatches: 0,
  };
  return {
    calls,
    client: {
      backend: client.backend,
      query: (sql, params) => {
        calls.query++;
        return client.query(sql, params);
      },
      exec: (sql) => {
        calls.exec++;
        return client.exec(sql);
      },
      transaction: (fn) => {
        calls.transaction++;
        return client.transaction(fn);
      },
      batch: (statements) => {
        calls.batch++;
        calls.statementsInBatches += statements.length;
        return client.batch(statements);
      },
      close: () => client.close(),
    },
  };
}
