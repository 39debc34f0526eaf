import { userInfo } from 'node:os';
import pg from 'pg';
import { RowStoreUnavailableError } from '../errors.js';
import {
  batchInTransaction,
  type SqlClient,
  type SqlExecutor,
  type SqlStatement,
} from '../sql-client.js';

/** Options of PostgresClient. */
export interface PostgresClientOptions {
  /** `postgres://user@host:port/db`; the user defaults to PGUSER, USER or the OS user, as with psql. */
  connectionString: string;
  /** Schema to work in (`search_path`); it must exist. Default: the server's search_path. */
  schema?: string;
  /** Pool size. Default 10. */
  max?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Socket errors and SQLSTATEs (class 08, 57P01-03) that mean the server is gone, not the statement wrong. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
]);

/** What to check for each way a connection fails, by Node error code or SQLSTATE. */
const HINTS: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there: is the server running, and is rowStore.url right?',
  ENOTFOUND: 'the host name does not resolve: check rowStore.url',
  ETIMEDOUT: 'the connection timed out: check the address, the network and the firewall',
  EHOSTUNREACH: 'the host is unreachable: check the address and the network',
  '3D000': 'the database does not exist: create it (createdb <name>) or set rowStore.url',
  '28P01': 'the password was refused: check the user and password in rowStore.url',
  '28000': 'the server refused this user: check pg_hba.conf and the user in rowStore.url',
  '57P03': 'the server is starting up or shutting down: retry shortly',
};

/**
 * The connection string with a user: the URL's own, else PGUSER or USER, else the OS
 * user, as psql does (pg alone sends no user when PGUSER and USER are unset, as in many
 * services and containers, and the server answers "no PostgreSQL user name specified").
 * A string that is not a URL is left to pg.
 */
export function withUser(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    if (u.username) return connectionString;
    const user = process.env.PGUSER || process.env.USER || pg.defaults.user || osUser();
    if (!user) return connectionString;
    u.username = encodeURIComponent(user);
    return u.toString();
  } catch {
    return connectionString;
  }
}

function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** `user@host:port/database` of a connection string, without the password. */
function addressOf(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    return `${user}${u.hostname}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return '(unparsable rowStore.url)';
  }
}

/**
 * Turns a lost, refused or misdirected connection into RowStoreUnavailableError naming
 * the server, the database and what to check; other errors pass.
 */
function classify(err: unknown, address: string): unknown {
  const code = (err as { code?: unknown }).code;
  const message = (err as Error).message ?? '';
  const hint = typeof code === 'string' ? HINTS[code] : undefined;
  const lost =
    hint !== undefined ||
    (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) ||
    /Connection terminated|timeout exceeded when trying to connect|not queryable/i.test(message);
  return lost
    ? new RowStoreUnavailableError(
        `PostgreSQL at ${address}: ${message}: ${hint ?? 'the connection was lost; retrying will reconnect'}`,
        { cause: err },
      )
    : err;
}

/**
 * The scale-out row store: PostgreSQL (or Aurora PostgreSQL) through a `pg` pool.
 * Connections are opened lazily; an unreachable server surfaces on the first query.
 */
export class PostgresClient implements SqlClient {
  readonly backend = 'postgres';
  private readonly pool: pg.Pool;
  private readonly address: string;
  private closed = false;

  constructor(opts: PostgresClientOptions) {
    const connectionString = withUser(opts.connectionString);
    this.address = addressOf(connectionString);
    if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
      throw new Error(`rowStore schema "${opts.schema}" is not a plain lower-case identifier`);
    }
    this.pool = new pg.Pool({
      connectionString,
      max: opts.max ?? 10,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => {});
  }

  async query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    try {
      const r = await this.pool.query(sql, params as unknown[] | undefined);
      return r.rows as T[];
    } catch (err) {
      throw classify(err, this.address);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.pool.query(sql);
    } catch (err) {
      throw classify(err, this.address);
    }
  }

  batch(statements: readonly SqlStatement[]): Promise<Record<string, unknown>[][]> {
    return batchInTransaction(this, statements);
  }

  /** Runs `fn` in one transaction; a lost connection rejects with RowStoreUnavailableError. */
  async transaction<R>(fn: (tx: SqlExecutor) => Promise<R>): Promise<R> {
    try {
      return await this.inTransaction(fn);
    } catch (err) {
      throw classify(err, this.address);
    }
  }

  private async inTransaction<R>(fn: (tx: SqlExecutor) => Promise<R>): Promise<R> {
    const conn = await this.pool.connect();
    let broken: Error | undefined;
    // A checked-out client reports a cut connection (server restart, failover) as an
    // 'error' event, which uncaught would end the process; the statement in flight
    // rejects anyway, and the broken client is discarded on release.
    const onError = (err: Error) => {
      broken ??= err;
    };
    conn.on('error', onError);
    const tx: SqlExecutor = {
      async query<T>(sql: string, params?: readonly unknown[]) {
        return (await conn.query(sql, params as unknown[] | undefined)).rows as T[];
      },
      async exec(sql: string) {
        await conn.query(sql);
      },
    };
    try {
      await conn.query('BEGIN');
      const out = await fn(tx);
      await conn.query('COMMIT');
      return out;
    } catch (err) {
      try {
        await conn.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error;
      }
      throw err;
    } finally {
      conn.off('error', onError);
      conn.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
