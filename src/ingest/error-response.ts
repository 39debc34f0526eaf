/**
 * The one place where an error of the ingest path becomes its HTTP answer (status, body,
 * headers and the reasons counted in statistics), whichever layer met it: the ingest
 * route (refusals from the headers, the body, the payload, the stream) or the framework
 * serving the other routes (not found, malformed requests, internal errors).
 */
import { BackpressureError, NotConnectedError, StreamUnavailableError } from '../stream/errors.js';
import {
  BodyTooLargeError,
  PayloadRejectedError,
  RequestRefusedError,
  TooManyRecordsError,
  UnsupportedEncodingError,
} from './errors.js';

export interface ErrorAnswer {
  status: number;
  /** Always `error` (a code) and `message` (what and where), plus fields of the case. */
  body: { error: string; message: string } & Record<string, unknown>;
  headers?: Record<string, string>;
  /** Reasons for statistics: each rejected item's, or the request's one. */
  reasons: string[];
}

const answer = (
  status: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers?: Record<string, string>,
  reason: string = error,
): ErrorAnswer => ({
  status,
  body: { error, message, ...extra },
  ...(headers ? { headers } : {}),
  reasons: [reason],
});

/**
 * Maps `err` to its answer. An error with an HTTP `statusCode` (the framework's: a
 * malformed request, a body over the limit) keeps a 4xx status; anything else unknown
 * is a 500 `internal` whose message says nothing of the cause (the caller logs it).
 * `maxBodyBytes` words the framework's 413.
 */
export function errorResponse(err: unknown, maxBodyBytes: number): ErrorAnswer {
  if (err instanceof RequestRefusedError)
    return answer(err.status, err.error, err.message, err.details, err.headers);
  if (err instanceof PayloadRejectedError) {
    return {
      status: 400,
      body: {
        error: 'invalid_payload',
        message: err.message,
        accepted: 0,
        rejected: err.rejected,
      },
      reasons: err.rejected.map((r) => r.reason),
    };
  }
  if (err instanceof TooManyRecordsError)
    return answer(413, 'too_many_records', err.message, { limit: err.limit });
  if (err instanceof BodyTooLargeError) return answer(413, 'body_too_large', err.message);
  if (err instanceof UnsupportedEncodingError)
    return answer(415, 'unsupported_encoding', err.message, {}, undefined, 'bad_encoding');
  if (err instanceof BackpressureError) {
    const secs = Math.max(1, Math.ceil(err.retryAfterMs / 1000));
    return answer(
      503,
      'backpressure',
      err.message,
      { retryAfterSeconds: secs },
      { 'retry-after': String(secs) },
    );
  }
  if (err instanceof StreamUnavailableError || err instanceof NotConnectedError) {
    return answer(
      503,
      'stream_unavailable',
      err.message,
      { retryAfterSeconds: 5 },
      { 'retry-after': '5' },
    );
  }
  const code = (err as { statusCode?: number } | undefined)?.statusCode;
  if (code === 413)
    return answer(
      413,
      'body_too_large',
      `the request body exceeds ingest.maxBodyBytes (${maxBodyBytes} bytes)`,
    );
  if (code !== undefined && code >= 400 && code < 500)
    return { ...answer(code, 'bad_request', (err as Error).message) };
  return answer(500, 'internal', 'internal error');
}

/** True when the answer is an internal error, which the caller logs. */
export const isInternal = (a: ErrorAnswer) => a.status === 500;
