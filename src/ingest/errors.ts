import type { Rejection } from '../vendors/vendor-adapter.js';

/** Nothing in the payload could be used; `rejected` says why, item by item. */
export class PayloadRejectedError extends Error {
  override name = 'PayloadRejectedError';
  constructor(readonly rejected: Rejection[]) {
    super(
      rejected.length > 0
        ? `no valid record in the payload: ${rejected
            .slice(0, 3)
            .map((r) => (r.index >= 0 ? `[${r.index}] ${r.reason}` : r.reason))
            .join('; ')}${rejected.length > 3 ? ` (and ${rejected.length - 3} more)` : ''}`
        : 'no record in the payload',
    );
  }
}

/** The payload holds more records than one request may carry. */
export class TooManyRecordsError extends Error {
  override name = 'TooManyRecordsError';
  constructor(
    readonly count: number,
    readonly limit: number,
  ) {
    super(`payload holds ${count} records, the limit per request is ${limit}`);
  }
}

/** The body, or its decompressed form, is over the configured limit. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/** A Content-Encoding ingest does not speak, or compressed data that does not decompress. */
export class UnsupportedEncodingError extends Error {
  override name = 'UnsupportedEncodingError';
}

/**
 * A request refused from its headers or for its body before any record was read: no or
 * a bad credential (401), a route that does not exist (404), a token of another vendor
 * (403), over the rate (429), a content type the route does not take (415), an empty
 * body (400). `error` is the code the answer carries, `details` the answer's other fields.
 */
export class RequestRefusedError extends Error {
  override name = 'RequestRefusedError';
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}
