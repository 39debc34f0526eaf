import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor } from '../sql-client.js';
import { type DirLock, lockDir } from './dir-lock.js';

/** Options of PGliteClient. */
export interface PGliteClientOptions {
  /** Data directory, created when missing; omitted = in memory (tests). */
  dir?: string;
}

function executor(db: PGlite | Transaction): SqlExecutor {
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
      const r = await db.query<T>(sql, params as unknown[] | undefined);
      return r.rows;
    },
    async exec(sql: string): Promise<void> {
      await db.exec(sql);
    },
  };
}

/**
 * The embedded row store: PostgreSQL compiled to WASM, persisted in a directory. One
 * process may open a directory at a time (enforced with `<dir>.lock`, see lockDir);
 * queries are serialised on its single connection.
 */
export class PGliteClient implements SqlClient {
  readonly backend = 'pglite';
  private readonly inner: SqlExecutor;
  private closed = false;

  private constructor(
    private readonly db: PGlite,
    private readonly lock: DirLock | undefined,
  ) {
    this.inner = executor(db);
  }

  /** Opens (creating when needed) the database. Throws RowStoreLockedError when `dir` is in use. */
  static async open(opts: PGliteClientOptions = {}): Promise<PGliteClient> {
    if (opts.dir === undefined) return new PGliteClient(await PGlite.create(), undefined);
    const lock = lockDir(opts.dir);
    try {
      mkdirSync(opts.dir, { recursive: true });
      return new PGliteClient(await PGlite.create(opts.dir), lock);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.inner.query<T>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.inner.exec(sql);
  }

  transaction<R>(fn: (tx: SqlExecutor) => Promise<R>): Promise<R> {
    return this.db.transaction((tx) => fn(executor(tx)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.db.close();
    } finally {
      this.lock?.release();
    }
  }
}
