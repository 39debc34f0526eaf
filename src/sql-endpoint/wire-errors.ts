/**
 * Errors of the wire layer (kept apart from errors.ts, which the session's errors use).
 * Each carries the SQLSTATE the endpoint sends.
 */

/** A parameter of the extended query protocol cannot be used (missing, bad binary form, NUL). */
export class SqlParameterError extends Error {
  override name = 'SqlParameterError';
  /** SQLSTATE sent over the wire: invalid_parameter_value. */
  readonly sqlState = '22023';
}

/** A session command (SET, SHOW, ...) the endpoint does not know or refuses. */
export class SqlSettingError extends Error {
  override name = 'SqlSettingError';
  /** 42704 unrecognized configuration parameter, 22023 bad value, 0A000 not supported. */
  constructor(
    message: string,
    readonly sqlState: '42704' | '22023' | '0A000',
  ) {
    super(message);
  }
}

/** A protocol message the endpoint cannot act on (unknown prepared statement or portal, bad message). */
export class SqlProtocolError extends Error {
  override name = 'SqlProtocolError';
  /** 26000 invalid_sql_statement_name, 34000 invalid_cursor_name, 08P01 protocol_violation. */
  constructor(
    message: string,
    readonly sqlState: '26000' | '34000' | '08P01',
  ) {
    super(message);
  }
}
