/** A query failed (syntax, unknown column, unreadable file). The message is one line. */
export class QueryError extends Error {
  override name = 'QueryError';
  constructor(
    message: string,
    readonly sql: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
