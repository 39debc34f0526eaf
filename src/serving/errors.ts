/** The embedded row store directory is already open in another process (or another instance). */
export class RowStoreLockedError extends Error {
  override name = 'RowStoreLockedError';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `row store ${dir} is already open by process ${pid}: PGlite allows one process per data ` +
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
 * PostgreSQL could not be reached or refused the connection: the message names the
 * server, the database and what to check; `cause` is the driver's error.
 */
export class PostgresUnavailableError extends Error {
  override name = 'PostgresUnavailableError';
  constructor(
    readonly address: string,
    hint: string,
    options: ErrorOptions & { cause: Error },
  ) {
    super(`PostgreSQL at ${address}: ${options.cause.message}: ${hint}`, options);
  }
}
