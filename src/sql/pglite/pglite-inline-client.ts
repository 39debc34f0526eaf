import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor } from '../sql-client.js';
import { type DirLock, lockDir } from './dir-lock.js';

/** Options of PGliteInlineClient. */
export interface PGliteInlineClientOptions {
  /** Data directory, created when missing; omitted = in memory (tests). */
  dir?: string;
  /**
   * Take `<dir>.lock` (see lockDir) [true]. Only the row store's own thread passes false:
   * the PGliteClient that started it holds the lock.
   */
  lock?: boolean;
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
 * PGlite on the calling thread: every statement runs synchronously (WASM) on that
 * thread's event loop. The row store's own thread runs this (pglite-thread-main.ts);
 * a serving process uses PGliteClient, which sends its statements to that thread. Kept
 * as a client of its own for the benches that compare the two. One process may open a
 * directory at a time (`<dir>.lock`, see lockDir); queries are serialised on PGlite's
 * single connection.
 */
export class PGliteInlineClient implements SqlClient {
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
  static async open(opts: PGliteInlineClientOptions = {}): Promise<PGliteInlineClient> {
    if (opts.dir === undefined) return new PGliteInlineClient(await PGlite.create(), undefined);
    const lock = opts.lock === false ? undefined : lockDir(opts.dir);
    try {
      mkdirSync(opts.dir, { recursive: true });
      return new PGliteInlineClient(await PGlite.create(opts.dir), lock);
    } catch (err) {
      lock?.release();
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
