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

/**
 * The statement was interrupted by its caller (a customer job whose process is stopping):
 * not the statement's fault, and nothing it wrote is kept.
 */
export class SqlInterruptedError extends Error {
  override name = 'SqlInterruptedError';
  /** SQLSTATE sent over the wire: query_canceled, as for the timeout. */
  readonly sqlState = '57014';
  constructor() {
    super('statement interrupted: the process running it is stopping');
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

/**
 * The statement needed more memory than the session's DuckDB memory_limit
 * (sql.memoryLimit). Nothing spills to disk: a customer session has no temp directory.
 */
export class SqlMemoryLimitError extends Error {
  override name = 'SqlMemoryLimitError';
  /** SQLSTATE sent over the wire: out_of_memory. */
  readonly sqlState = '53200';
  constructor(
    readonly memoryLimit: string,
    options?: ErrorOptions,
  ) {
    super(
      `the statement needs more memory than the session's memory limit of ${memoryLimit} (sql.memoryLimit); aggregate or filter earlier, or select fewer columns`,
      options,
    );
  }
}

/** Customer credentials were missing or wrong. */
export class SqlAuthError extends Error {
  override name = 'SqlAuthError';
  readonly sqlState = '28P01';
}

/** The result is larger than the result-bytes cap (sql.maxResultBytes). */
export class ResultTooLargeError extends Error {
  override name = 'ResultTooLargeError';
  /** SQLSTATE sent over the wire: program_limit_exceeded, as for the row limit. */
  readonly sqlState = '54000';
  constructor(readonly maxBytes: number) {
    super(
      `the result is larger than ${maxBytes} bytes (the result size limit); select fewer columns, add a LIMIT or aggregate`,
    );
  }
}

/**
 * The customer already runs as many statements as it may and its queue is full, or the
 * statement waited in the queue longer than allowed. Retry after `retryAfterMs`.
 */
export class TooManyStatementsError extends Error {
  override name = 'TooManyStatementsError';
  /** SQLSTATE sent over the wire: too_many_connections (the class PostgreSQL uses for "too many"). */
  readonly sqlState = '53300';
  constructor(
    readonly customer: string,
    readonly maxConcurrent: number,
    readonly retryAfterMs: number,
    reason: string,
  ) {
    super(
      `too many statements at once for customer ${customer}: ${maxConcurrent} run at a time and ${reason}; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
    );
  }
}

/** The endpoint already has `max` open connections (sql.maxConnections). */
export class TooManyConnectionsError extends Error {
  override name = 'TooManyConnectionsError';
  readonly sqlState = '53300';
  constructor(readonly max: number) {
    super(`sorry, too many connections: the SQL endpoint allows ${max} at once; retry later`);
  }
}

/**
 * The process that runs customer SQL died (or was stopped) while the statement ran. The
 * statement produced no result; the next statement runs in a new process.
 */
export class SqlHostError extends Error {
  override name = 'SqlHostError';
  /** SQLSTATE sent over the wire: system_error. */
  readonly sqlState = '58000';
}
