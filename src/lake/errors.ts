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
