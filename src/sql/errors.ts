/** The embedded row store directory is already open in another process (or another instance). */
export class RowStoreLockedError extends Error {
  override name = 'RowStoreLockedError';
  constructor(
    readonly dir: string,
    /** The holder's pid, when its lock file names one. */
    readonly pid: number | undefined,
    holder = `process ${pid}`,
  ) {
    super(
      `row store ${dir} is already open by ${holder.replace(/^pid /, 'process ')}: PGlite allows one process per data ` +
        'directory; stop that process, or set rowStore.backend=postgres to run roles in separate processes',
    );
  }
}

/** A schema migration failed; nothing of that migration was applied. */
export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(
    readonly version: number,
    readonly migration: string,
    options?: ErrorOptions,
  ) {
    super(
      `row store migration ${version} (${migration}) failed: ${(options?.cause as Error | undefined)?.message ?? 'unknown error'}`,
      options,
    );
  }
}

/**
 * The row store's server cannot be reached or cut the connection (restart, failover,
 * network). Nothing of the statement was committed; retry after `retryAfterSeconds`.
 * The API answers 503 with Retry-After.
 */
export class RowStoreUnavailableError extends Error {
  override name = 'RowStoreUnavailableError';
  readonly retryAfterSeconds = 5;
}

/**
 * The embedded row store's thread (PGliteClient) died: it crashed, ran out of memory or
 * was ended. Statements it had not answered reject with this error (one in flight may or
 * may not have taken effect: an in-memory database is gone, one on disk keeps what it
 * committed); every later call rejects with it at once. The thread is not restarted:
 * reopen the row store (restart the process).
 */
export class RowStoreThreadError extends Error {
  override name = 'RowStoreThreadError';
}
