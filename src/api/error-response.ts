import { RowStoreUnavailableError } from '../sql/errors.js';
import { BadRequestError, NotFoundError } from './errors.js';

/** The JSON body of every error answer. */
export interface ErrorBody {
  /** Machine-readable kind: bad_request, not_found, payload_too_large, internal, ... */
  error: string;
  message: string;
  /** The offending parameter, for bad_request. */
  field?: string;
  issues?: readonly { field: string; message: string }[];
}

const KIND_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable',
};

/**
 * Maps any error thrown while handling a request to a status and JSON body: the one
 * place the HTTP layer turns errors into answers. Unexpected errors are 500 with a
 * generic message (`expose` false: the caller logs the detail, the client never sees it);
 * a row store that cannot be reached is 503 with Retry-After.
 */
export function errorResponse(err: unknown): {
  status: number;
  body: ErrorBody;
  expose: boolean;
  headers?: Record<string, string>;
} {
  if (err instanceof RowStoreUnavailableError) {
    return {
      status: 503,
      body: { error: 'unavailable', message: 'the row store is unavailable; retry later' },
      headers: { 'retry-after': String(err.retryAfterSeconds) },
      expose: false,
    };
  }
  if (err instanceof BadRequestError) {
    return {
      status: 400,
      body: {
        error: 'bad_request',
        message: err.message,
        ...(err.field !== undefined ? { field: err.field } : {}),
        ...(err.issues.length > 1 ? { issues: err.issues } : {}),
      },
      expose: true,
    };
  }
  if (err instanceof NotFoundError) {
    return { status: 404, body: { error: 'not_found', message: err.message }, expose: true };
  }
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      status,
      body: { error: KIND_BY_STATUS[status] ?? 'bad_request', message: (err as Error).message },
      expose: true,
    };
  }
  return { status: 500, body: { error: 'internal', message: 'internal error' }, expose: false };
}
