/** A request parameter is missing or invalid; answered 400 naming `field`. */
export class BadRequestError extends Error {
  override name = 'BadRequestError';
  constructor(
    message: string,
    readonly field: string | undefined,
    readonly issues: readonly { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** The resource asked for does not exist; answered 404. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
