/**
 * The PostgreSQL catalog a client reads (pg_catalog, information_schema, version(),
 * current_database()), answered apart from the customer session. It holds the names and
 * column types of the customer's relations and nothing else: no rows, no file paths, no
 * view definitions, no other customer's names. psql's `\d`, JDBC DatabaseMetaData and
 * BI tools' sync read it. The DuckDB implementation is in `duckdb/`.
 */
import type { ResultColumn } from '../query/lake-query.js';
import type { SessionResult } from './customer-session.js';

/** One relation of the customer, as the catalog shows it. */
export interface CatalogRelation {
  readonly name: string;
  readonly columns: readonly ResultColumn[];
}

/** What a catalog is built from. */
export interface CatalogSpec {
  /** The database name the client asked for (shown by current_database() and \l). */
  readonly database: string;
  /** The customer (the owner of every relation, current_user). */
  readonly user: string;
  readonly relations: readonly CatalogRelation[];
}

export interface CatalogSession {
  /**
   * Runs one catalog query (PostgreSQL dialect as clients send it). Throws
   * SqlRejectedError for anything that is not a read of the catalog, SqlExecutionError
   * for a query the catalog cannot answer.
   */
  query(sql: string): Promise<SessionResult>;
  close(): Promise<void>;
}

/** Opens a catalog; the wire endpoint opens one per connection, on its first catalog query. */
export type CatalogFactory = (spec: CatalogSpec) => Promise<CatalogSession>;
