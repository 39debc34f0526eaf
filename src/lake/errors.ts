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

/** A DuckDB type this mapping does not know (or a malformed type string). */
export class UnsupportedTypeError extends Error {
  override name = 'UnsupportedTypeError';
  constructor(
    readonly type: string,
    reason: string,
  ) {
    super(`cannot map column type "${type}" to Hive: ${reason}`);
  }
}
