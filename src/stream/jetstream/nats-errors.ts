/** Maps errors of the `nats` client to the stream contract's errors (../errors.ts). */
import {
  BackpressureError,
  NotConnectedError,
  StreamSealedError,
  StreamUnavailableError,
} from '../errors.js';
import { FencedError } from '../lease/lease-store.js';

/**
 * JetStream API error codes that mean "the server cannot take this now": insufficient
 * resources (10023), memory (10028) or storage (10047) exhausted, store failed on a
 * limit such as max bytes (10077).
 */
const RESOURCE_ERR_CODES = new Set([10023, 10028, 10047, 10077]);
/** "invalid operation on sealed stream". */
const SEALED_ERR_CODE = 10109;

interface NatsLikeError {
  code?: string;
  message?: string;
  api_error?: { code?: number; err_code?: number; description?: string };
}

/** True for the JetStream "wrong last sequence" answer to a compare-and-set write. */
export function isWrongLastSequence(err: unknown): boolean {
  const e = err as NatsLikeError;
  return e?.api_error?.err_code === 10071 || /wrong last sequence/i.test(e?.message ?? '');
}

/** True when JetStream answered "not found" (stream, consumer or message). */
export function isNotFound(err: unknown): boolean {
  const e = err as NatsLikeError;
  return e?.code === '404' || /not found/i.test(e?.message ?? '');
}

/**
 * Turns any error from the client into StreamSealedError (the stream was sealed),
 * BackpressureError (request timed out while
 * connected, or the server is out of resources: retry after `retryAfterMs`) or
 * StreamUnavailableError (connection down, JetStream missing, anything else). Errors that
 * are already the contract's, FencedError (a lease lost) and RangeError (bad input), pass
 * through.
 */
export function toStreamError(
  err: unknown,
  what: string,
  opts: { online: boolean; retryAfterMs: number },
): Error {
  if (
    err instanceof BackpressureError ||
    err instanceof StreamUnavailableError ||
    err instanceof StreamSealedError ||
    err instanceof NotConnectedError ||
    err instanceof FencedError ||
    err instanceof RangeError
  ) {
    return err;
  }
  const e = (err ?? {}) as NatsLikeError;
  const text = `${what}: ${e.message ?? String(err)}`;
  if (!opts.online) {
    return new StreamUnavailableError(`${text} (not connected to NATS)`, { cause: err });
  }
  const errCode = e.api_error?.err_code;
  if (errCode === SEALED_ERR_CODE) return new StreamSealedError(text, { cause: err });
  if (
    e.code === 'TIMEOUT' ||
    (errCode !== undefined && RESOURCE_ERR_CODES.has(errCode)) ||
    /insufficient .*resources|maximum (messages|bytes)/i.test(e.message ?? '')
  ) {
    return new BackpressureError(text, opts.retryAfterMs, { cause: err });
  }
  return new StreamUnavailableError(text, { cause: err });
}
