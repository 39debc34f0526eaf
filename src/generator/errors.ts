/** Raised for a bad generator or feed option; names the option and the bad value. */
export class GeneratorOptionError extends Error {
  override name = 'GeneratorOptionError';
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`${option} ${reason} (got ${JSON.stringify(value)})`);
  }
}

/**
 * Raised when the ingest endpoint refuses the feed in a way retrying cannot fix
 * (401, 403, 404: wrong token, vendor or URL). `status` is the HTTP status.
 */
export class FeedRejectedError extends Error {
  override name = 'FeedRejectedError';
  constructor(
    readonly url: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(
      `ingest at ${url} refused the feed with HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`,
    );
  }
}
