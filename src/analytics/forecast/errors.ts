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
