import type { Worker } from 'node:worker_threads';
import { siblingModule, spawnWorker } from '../../ops/spawn-worker.js';
import { RowStoreThreadError } from '../errors.js';
import type { SqlClient, SqlExecutor, SqlStatement } from '../sql-client.js';
import { type DirLock, lockDir } from './dir-lock.js';
import type {
  PGliteThreadData,
  PGliteThreadError,
  PGliteThreadReply,
  PGliteThreadRequest,
} from './pglite-thread-protocol.js';

/** Options of PGliteClient. */
export interface PGliteClientOptions {
  /** Data directory, created when missing; omitted = in memory (tests). */
  dir?: string;
  /** `shared_buffers` of an on-disk database, MB [DEFAULT_SHARED_BUFFERS_MB]. */
  sharedBuffersMb?: number;
}

/** Distributes Omit over a union: a request as the caller writes it, before its id. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

type Waiter = {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  /** Where the caller asked: the stack a database error is given. */
  site: { stack?: string };
};

/** A database error from the thread, with PostgreSQL's fields (`code`, `detail`, ...) and the caller's stack. */
function databaseError(e: PGliteThreadError, site: { stack?: string }): Error {
  const err = Object.assign(new Error(e.message), e.fields);
  const frames = site.stack?.split('\n').slice(1).join('\n');
  if (frames) err.stack = `Error: ${e.message}\n${frames}`;
  return err;
}

/**
 * The embedded row store (`rowStore.backend: pglite`): PostgreSQL compiled to WASM,
 * persisted in a directory, run on a thread of its own. PGlite executes each statement
 * synchronously on the thread that owns it; on the serving event loop a few milliseconds
 * per statement held every request behind a write (the demand job's, realtime upserts,
 * prune). Here each statement is a message to that thread (see pglite-thread-main.ts),
 * so the event loop only posts it and reads the rows back.
 *
 * Same contract and semantics as any SqlClient: statements are serialised on PGlite's
 * single connection, a transaction holds it until it ends. A statement outside a
 * transaction that waited for one runs before the transactions queued beside it (see
 * ConnectionQueue): an API read waits for the write in progress, not for every queued one. A database error rejects with
 * an Error carrying the database's message and fields (`code` = SQLSTATE, `detail`,
 * `constraint`, ...). When the thread dies, every unanswered and later call rejects with
 * RowStoreThreadError (never a hang). One process may open a directory at a time
 * (`<dir>.lock`, see lockDir); the client holds the lock, not the thread.
 */
export class PGliteClient implements SqlClient {
  readonly backend = 'pglite';
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private failure: RowStoreThreadError | undefined;
  private closing: Promise<void> | undefined;
  private readonly opened: Promise<void>;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly lock: DirLock | undefined,
    private readonly label: string,
  ) {
    this.opened = new Promise<void>((resolve, reject) => {
      this.waiting.set(0, { resolve: () => resolve(), reject, site: {} });
    });
    this.opened.catch(() => {});
    this.exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        this.fail(new RowStoreThreadError(`${label} exited (code ${code})`));
        this.lock?.release();
        resolve();
      });
    });
    worker.on('message', (m: PGliteThreadReply) => this.settle(m));
    worker.on('error', (err) =>
      this.fail(new RowStoreThreadError(`${label} failed: ${err.message}`, { cause: err })),
    );
  }

  /**
   * Starts the thread and opens (creating when needed) the database. Rejects with
   * RowStoreLockedError when `dir` is in use, and with the database's error when it cannot
   * open.
   */
  static async open(opts: PGliteClientOptions = {}): Promise<PGliteClient> {
    const lock = opts.dir === undefined ? undefined : lockDir(opts.dir);
    let client: PGliteClient;
    try {
      const data: PGliteThreadData = {
        dir: opts.dir,
        ...(opts.sharedBuffersMb !== undefined ? { sharedBuffersMb: opts.sharedBuffersMb } : {}),
      };
      client = new PGliteClient(
        spawnWorker(siblingModule(import.meta.url, 'pglite-thread-main'), data),
        lock,
        `the row store thread (PGlite ${opts.dir === undefined ? 'in memory' : `in ${opts.dir}`})`,
      );
    } catch (err) {
      lock?.release();
      throw err;
    }
    try {
      await client.opened;
    } catch (err) {
      await client.worker.terminate();
      await client.exited;
      throw err;
    }
    return client;
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.request({ op: 'query', sql, ...(params ? { params } : {}) }) as Promise<T[]>;
  }

  async exec(sql: string): Promise<void> {
    await this.request({ op: 'exec', sql });
  }

  /** One message: the thread runs the whole transaction, holding the connection only meanwhile. */
  batch(statements: readonly SqlStatement[]): Promise<Record<string, unknown>[][]> {
    return this.request({ op: 'batch', statements }) as Promise<Record<string, unknown>[][]>;
  }

  async transaction<R>(fn: (tx: SqlExecutor) => Promise<R>): Promise<R> {
    const tx = (await this.request({ op: 'begin' })) as number;
    const executor: SqlExecutor = {
      query: <T>(sql: string, params?: readonly unknown[]) =>
        this.request({ op: 'query', sql, tx, ...(params ? { params } : {}) }) as Promise<T[]>,
      exec: async (sql: string) => {
        await this.request({ op: 'exec', sql, tx });
      },
    };
    let out: R;
    try {
      out = await fn(executor);
    } catch (err) {
      await this.request({ op: 'end', tx, commit: false }).catch(() => {});
      throw err;
    }
    await this.request({ op: 'end', tx, commit: true });
    return out;
  }

  /**
   * Closes the database (PGlite flushes what it holds) and ends the thread, then releases
   * the directory's lock. Idempotent; resolves also when the thread had died.
   */
  close(): Promise<void> {
    if (!this.closing) {
      const bye = this.failure ? Promise.resolve() : this.request({ op: 'close' });
      this.closing = bye
        .catch(() => {})
        .then(async () => {
          this.failure ??= new RowStoreThreadError(`${this.label} is closed`);
          await this.worker.terminate();
          await this.exited;
        });
    }
    return this.closing;
  }

  /**
   * Test hook, never for production: ends the thread as a crash would (statements in
   * flight are cut off), to check that callers get RowStoreThreadError.
   */
  crashForTesting(): Promise<void> {
    void this.worker.terminate();
    return this.exited;
  }

  private request(m: WithoutId<PGliteThreadRequest>): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new RowStoreThreadError(`${this.label} is closed`));
    const id = this.nextId++;
    const site: { stack?: string } = {};
    Error.captureStackTrace(site, this.request);
    return new Promise<unknown>((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject, site });
      try {
        this.worker.postMessage({ ...m, id });
      } catch (err) {
        // a parameter that cannot be copied to the thread (a function, a symbol)
        this.waiting.delete(id);
        if (this.waiting.size === 0) this.worker.unref();
        reject(err as Error);
      }
    });
  }

  private settle(m: PGliteThreadReply): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (m.ok) w.resolve(m.value);
    else w.reject(databaseError(m.error, w.site));
  }

  /** Rejects every unanswered request with `err`; later ones reject with it at once. */
  private fail(err: RowStoreThreadError): void {
    if (this.failure) return;
    this.failure = err;
    const all = [...this.waiting.values()];
    this.waiting.clear();
    this.worker.unref();
    for (const w of all) w.reject(err);
  }
}
