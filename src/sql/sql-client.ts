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

/** One statement of SqlClient.batch: SQL with `$1..$n` parameters. */
export interface SqlStatement {
  readonly sql: string;
  readonly params?: readonly unknown[];
}

export interface SqlClient extends SqlExecutor {
  /** The technology behind the client: `pglite` or `postgres`. */
  readonly backend: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction on one connection: COMMIT when it resolves, ROLLBACK
   * (and rethrow) when it rejects. Do not use the client itself inside `fn`.
   */
  transaction<R>(fn: (tx: SqlExecutor) => Promise<R>): Promise<R>;
  /**
   * Runs `statements` in order in one transaction and returns each one's rows: all
   * commit, or none does and it rejects with the failed statement's error. Unlike
   * transaction(), every statement is known before it begins, so the embedded database
   * holds its one connection only while they run, not while the caller's event loop
   * turns between them.
   */
  batch(statements: readonly SqlStatement[]): Promise<Record<string, unknown>[][]>;
  /** Releases the connection(s) or the embedded database. Idempotent. */
  close(): Promise<void>;
}

/** SqlClient.batch through `client.transaction`: each statement in turn. */
export function batchInTransaction(
  client: Pick<SqlClient, 'transaction'>,
  statements: readonly SqlStatement[],
): Promise<Record<string, unknown>[][]> {
  return client.transaction(async (tx) => {
    const out: Record<string, unknown>[][] = [];
    for (const s of statements) out.push(await tx.query(s.sql, s.params));
    return out;
  });
}
