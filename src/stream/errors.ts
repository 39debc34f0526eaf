/**
 * The stream cannot take more right now; retry the same append after `retryAfterMs`.
 * Part of it may already be stored: records carry ids, so the retry stores only the rest
 * (within the dedupe window).
 */
export class BackpressureError extends Error {
  override name = 'BackpressureError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The stream backend failed (disk, network); the append may be retried. */
export class StreamUnavailableError extends Error {
  override name = 'StreamUnavailableError';
}

/** An operation was called on a stream that is not connected or already closed. */
export class NotConnectedError extends Error {
  override name = 'NotConnectedError';
}

/**
 * The stream was sealed (a newer generation took over its appends, see
 * generations/generational-stream.ts): nothing of the append was stored by this stream
 * (on JetStream, messages stored before the seal stay), append to the newer generation.
 */
export class StreamSealedError extends Error {
  override name = 'StreamSealedError';
}

/** Text of the error a sealed embedded stream's writer throws (it crosses a thread as text). */
export const SEALED_MESSAGE = 'stream is sealed';
