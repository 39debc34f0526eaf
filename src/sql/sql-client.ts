/**
 * The minimal SQL client of every room that keeps rows (serving's row store, etl's
 * state, tenancy, analytics, the Kinesis checkpoints), so that none imports a database
 * driver (as Kysely's `PostgresPool`). The contract suite is `testing/sql-client-suite.ts`. Implementations: `pglite/` (embedded,
 * PostgreSQL compiled to WASM, one process per data directory) and `postgres/` (a `pg`
 * pool). Both speak the same PostgreSQL dialect, so one set of SQL runs on either.
 *
 * Value conventions, identical on both: `numeric` and `bigint` may come back as strings
 * or numbers, `timestamptz` as a `Date`; select `date` columns as `::text`.
 */

/** What can run statements: the client itself or an open transaction. */
export interface SqlExecutor {
  /** Runs one statement with `$1..$n` parameters and returns its rows (empty for none). */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs one or more statements without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
}

export interface SqlClient extends SqlExecutor {
  /** The technology behind the client: `pglite` or `postgres`. */
  readonly backend: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction on one connection: COMMIT when it resolves, ROLLBACK
   * (and rethrow) when it rejects. Do not use the client itself inside `fn`.
   */
  transaction<R>(fn: (tx: SqlExecutor) => Promise<R>): Promise<R>;
  /** Releases the connection(s) or the embedded database. Idempotent. */
  close(): Promise<void>;
}
