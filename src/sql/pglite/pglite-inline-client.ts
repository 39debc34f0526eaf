import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import {
  batchInTransaction,
  type SqlClient,
  type SqlExecutor,
  type SqlStatement,
} from '../sql-client.js';
import { type DirLock, lockDir } from './dir-lock.js';
import { DEFAULT_SHARED_BUFFERS_MB } from './pglite-settings.js';
import { readTemplate, seedFromTemplate } from './pglite-template.js';

/**
 * The write-ahead log of an on-disk PGlite. It runs Postgres as a single backend with no
 * checkpointer, so no checkpoint ever comes by time or size and pg_wal only grows: the
 * demo's row store held 913 MB of pg_wal beside 445 MB of tables after 40 minutes
 * (`npm run bench -- footprint`). So the client runs CHECKPOINT every
 * CHECKPOINT_EVERY_MS, and the bounds below let it recycle all but 32-64 MB of WAL
 * (273 MB of WAL written: pg_wal 273 MB without, 65 MB with). A checkpoint is cheap here:
 * PGlite runs with fsync off.
 *
 * Full-page writes are off. After each checkpoint PostgreSQL logs the whole 8 KB of every
 * page the first time it changes, so that recovery can mend a page an operating-system
 * crash left half written; it is most of what the row store's updates, spread over its
 * tables, write to the WAL (an update of 2 % of the demo's fares and deals, six times
 * with a checkpoint after every second: 331 MB of WAL with them, 17 MB without). A
 * process that dies (SIGKILL, a crash) leaves its writes whole in the operating system's
 * cache, and recovery needs no page images for them (`pglite-crash.test.ts`). In
 * `up --demo`'s first 20 minutes the row store wrote 553 MB of WAL without them, 1,268 MB
 * with them (pg_wal 65 against 81 MB then; the tables the same). Against an
 * operating-system crash or power loss, which full-page writes are for, the embedded row
 * store has no protection anyway: fsync is off, so the WAL itself may not be on disk.
 */
const WAL_LIMITS = [
  '-c',
  'max_wal_size=64MB',
  '-c',
  'min_wal_size=32MB',
  '-c',
  'full_page_writes=off',
];
/** Default period of the client's checkpoints, ms. */
export const CHECKPOINT_EVERY_MS = 60_000;

/** Options of PGliteInlineClient. */
export interface PGliteInlineClientOptions {
  /** Data directory, created when missing; omitted = in memory (tests). */
  dir?: string;
  /**
   * Take `<dir>.lock` (see lockDir) [true]. Only the row store's own thread passes false:
   * the PGliteClient that started it holds the lock.
   */
  lock?: boolean;
  /** Period of the checkpoints of an on-disk database, ms [CHECKPOINT_EVERY_MS]. */
  checkpointEveryMs?: number;
  /** `shared_buffers` of an on-disk database, MB [DEFAULT_SHARED_BUFFERS_MB]. */
  sharedBuffersMb?: number;
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
  private checkpoints: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: PGlite,
    private readonly lock: DirLock | undefined,
    checkpointEveryMs?: number,
  ) {
    this.inner = executor(db);
    if (checkpointEveryMs === undefined) return;
    // Queued on PGlite's one connection like any statement, so never inside a transaction.
    // A failed checkpoint leaves WAL for the next one; the statements themselves report
    // whatever broke the database.
    this.checkpoints = setInterval(() => {
      if (!this.closed) db.exec('CHECKPOINT').catch(() => {});
    }, checkpointEveryMs);
    this.checkpoints.unref();
  }

  /** Opens (creating when needed) the database. Throws RowStoreLockedError when `dir` is in use. */
  static async open(opts: PGliteInlineClientOptions = {}): Promise<PGliteInlineClient> {
    if (opts.dir === undefined) {
      // In memory (tests, throwaway stores): loaded from the template, not made by initdb.
      const template = readTemplate();
      const db = template
        ? await PGlite.create({ loadDataDir: new Blob([template]) })
        : await PGlite.create();
      return new PGliteInlineClient(db, undefined);
    }
    const lock = opts.lock === false ? undefined : lockDir(opts.dir);
    try {
      await seedFromTemplate(opts.dir);
      mkdirSync(opts.dir, { recursive: true });
      return new PGliteInlineClient(
        await PGlite.create(opts.dir, {
          startParams: [
            ...PGlite.defaultStartParams,
            ...WAL_LIMITS,
            '-c',
            `shared_buffers=${opts.sharedBuffersMb ?? DEFAULT_SHARED_BUFFERS_MB}MB`,
          ],
        }),
        lock,
        opts.checkpointEveryMs ?? CHECKPOINT_EVERY_MS,
      );
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

  batch(statements: readonly SqlStatement[]): Promise<Record<string, unknown>[][]> {
    return batchInTransaction(this, statements);
  }

  transaction<R>(fn: (tx: SqlExecutor) => Promise<R>): Promise<R> {
    return this.db.transaction((tx) => fn(executor(tx)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.checkpoints);
    try {
      await this.db.close();
    } finally {
      this.lock?.release();
    }
  }
}
