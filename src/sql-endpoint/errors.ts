/** The statement is not allowed (not a single read, or it touches something not granted). */
export class SqlRejectedError extends Error {
  override name = 'SqlRejectedError';
  /** SQLSTATE sent over the wire: insufficient_privilege. */
  readonly sqlState = '42501';
}

/** The statement does not parse or failed while running. */
export class SqlExecutionError extends Error {
  override name = 'SqlExecutionError';
  readonly sqlState = '42000';
}

/** The statement ran longer than the statement timeout and was interrupted. */
export class SqlTimeoutError extends Error {
  override name = 'SqlTimeoutError';
  readonly sqlState = '57014';
  constructor(readonly timeoutMs: number) {
    super(`statement timeout: the query ran longer than ${timeoutMs} ms and was cancelled`);
  }
}

/** The result has more rows than the limit. */
export class RowLimitError extends Error {
  override name = 'RowLimitError';
  readonly sqlState = '54000';
  constructor(readonly maxRows: number) {
    super(`the result has more than ${maxRows} rows (the row limit); add a LIMIT or aggregate`);
  }
}

/** Customer credentials were missing or wrong. */
export class SqlAuthError extends Error {
  override name = 'SqlAuthError';
  readonly sqlState = '28P01';
}
