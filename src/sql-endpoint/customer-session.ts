/**
 * A customer's SQL session: a private catalog holding only views of the ponds granted to
 * the customer (narrowed to its markets and points of sale) and of its own tables, read
 * only. The wire endpoint, `POST /v1/sql` and customer jobs all run customer SQL through
 * one. The DuckDB implementation is in `duckdb/`.
 */
import type { ResultColumn, Row } from '../query/lake-query.js';
import type { Grant } from '../tenancy/customer-store.js';

/** What the session needs to know about a pond to build its view. */
export interface PondInfo {
  readonly name: string;
  /** Column a market grant filters on; absent = market grants make the view empty (fail closed). */
  readonly marketColumn?: string;
  readonly posColumn?: string;
  /** Columns for the empty view of a pond with no files yet; absent = the pond is left out until it has files. */
  readonly columns?: readonly { name: string; type: string }[];
}

/** What a session is opened for. */
export interface SessionSpec {
  /** `<dataDir>/lake`. */
  readonly lakeRoot: string;
  readonly customer: string;
  readonly grants: readonly Grant[];
  readonly ponds: readonly PondInfo[];
  readonly statementTimeoutMs: number;
  readonly maxRows: number;
  /** Result size cap, bytes of JSON text; default DEFAULT_MAX_RESULT_BYTES. */
  readonly maxResultBytes?: number;
  /** DuckDB memory_limit of the session; default DEFAULT_SESSION_MEMORY_LIMIT. */
  readonly memoryLimit?: string;
  /** DuckDB worker threads of the session; default DEFAULT_SESSION_THREADS. */
  readonly threads?: number;
}

/** Default result size cap of a session: 64 MiB (config sql.maxResultBytes). */
export const DEFAULT_MAX_RESULT_BYTES = 64 * 1024 * 1024;
/** Default DuckDB memory_limit of a session (config sql.memoryLimit). */
export const DEFAULT_SESSION_MEMORY_LIMIT = '512MB';

/**
 * Default DuckDB threads of a session: 1. Customers' sessions run side by side, so one
 * thread each already keeps the cores busy; two let four heavy statements hold eight
 * runnable threads on a 2-core machine, each a scheduling delay for ingest and the API.
 */
export const DEFAULT_SESSION_THREADS = 1;

/** A complete, bounded result. */
export interface SessionResult {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly Row[];
  /** Size of the rows as JSON text, as counted against the byte cap. */
  readonly bytes?: number;
}

export interface CustomerSession {
  readonly customer: string;
  /** Relations the customer may query (lower-case view names). */
  readonly relations: readonly string[];
  /**
   * Checks and runs one read statement; resolves only with the whole result. Throws
   * SqlRejectedError (not allowed), SqlExecutionError (bad SQL), SqlTimeoutError,
   * RowLimitError or ResultTooLargeError (limits: never a partial result), and, for
   * sessions in a session host, TooManyStatementsError or SqlHostError.
   */
  query(sql: string): Promise<SessionResult>;
  /**
   * Checks `sql` like `query`, then writes its result as one Parquet file at `file`, which
   * must lie in the customer's own area (`<lake>/customers/<customer>/`). Returns rows written.
   * `signal` interrupts the statement: it rejects with SqlInterruptedError (a customer job
   * whose process is stopping).
   */
  materialize(sql: string, file: string, signal?: AbortSignal): Promise<number>;
  close(): Promise<void>;
}
