/** A CSV input could not be read; names the file, line and problem. */
export class CsvInputError extends Error {
  override name = 'CsvInputError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

/**
 * A forecast thread died before answering, none is up, or the pool is closed. Not the
 * series' fault: the fit may be retried (the scheduled job retries at its next run).
 */
export class ForecastThreadError extends Error {
  override name = 'ForecastThreadError';
}
