/** An object key is not a clean relative path (empty segment, `..`, leading `/`). */
export class InvalidObjectKeyError extends Error {
  override name = 'InvalidObjectKeyError';
  constructor(readonly key: string) {
    super(
      `invalid object key "${key}": must be a relative path without empty, "." or ".." segments`,
    );
  }
}

/** Writing a Parquet file failed; nothing was stored for `keys`. */
export class ParquetWriteError extends Error {
  override name = 'ParquetWriteError';
  constructor(
    message: string,
    readonly keys: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The catalog file does not parse or has an unknown format. */
export class CatalogFormatError extends Error {
  override name = 'CatalogFormatError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`catalog ${key}: ${message}`);
  }
}

/** A partition manifest (`_manifest.json`) does not parse. */
export class ManifestFormatError extends Error {
  override name = 'ManifestFormatError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`partition manifest ${key}: ${message}`);
  }
}

/**
 * A DuckDB type this mapping does not know (or a malformed type string). `castable` is
 * true when the type is known but Hive cannot read DuckDB's Parquet encoding of it, so a
 * cast to VARCHAR before writing makes the column readable.
 */
export class UnsupportedTypeError extends Error {
  override name = 'UnsupportedTypeError';
  constructor(
    readonly type: string,
    reason: string,
    readonly castable = false,
  ) {
    super(`cannot map column type "${type}" to Hive: ${reason}`);
  }
}

/**
 * The lake's storage refused a write (disk full, quota, read-only or failing device, too
 * many open files): no record is at fault, so nothing is dead-lettered and the file is
 * retried. `code` is the errno name when one was found.
 */
export class LakeStorageError extends Error {
  override name = 'LakeStorageError';
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
