/** The options of JetStreamStream, their defaults and their validation. */
import type { StreamOptions } from '../stream.js';

/**
 * Options of JetStreamStream; defaults in brackets. The name (letters, digits, `_` and
 * `-`) is also the subject prefix; `maxPendingRecords` counts records appended and not
 * yet acknowledged by the server.
 */
export interface JetStreamStreamOptions extends StreamOptions {
  /** NATS server URL(s), comma-separated, e.g. `127.0.0.1:4222`. */
  servers: string;
  /** Upper bound of one message, capped by the server's max_payload [max_payload]. */
  maxEntryBytes?: number;
}

export const DEFAULT_MAX_PENDING_RECORDS = 200_000;
/** Room left in each message for headers (msg id, record count). */
export const HEADER_RESERVE_BYTES = 1024;
const NAME = /^[A-Za-z0-9_-]{1,200}$/;

/** Throws RangeError naming the first option that is not valid. */
export function validateOptions(opts: JetStreamStreamOptions): void {
  if (!NAME.test(opts.name)) {
    throw new RangeError(
      `jetstream stream name "${opts.name}" is not valid: use letters, digits, "_" or "-"`,
    );
  }
  if (!Number.isInteger(opts.shards) || opts.shards < 1 || opts.shards > 1024) {
    throw new RangeError(`shards must be an integer in 1..1024, got ${opts.shards}`);
  }
  if (!(opts.retentionMs > 0)) {
    throw new RangeError(`retentionMs must be positive, got ${opts.retentionMs}`);
  }
  if (opts.maxEntryBytes !== undefined && !(opts.maxEntryBytes >= 4 * HEADER_RESERVE_BYTES)) {
    throw new RangeError(
      `maxEntryBytes must be at least ${4 * HEADER_RESERVE_BYTES}, got ${opts.maxEntryBytes}`,
    );
  }
  if (!(opts.dedupeWindowMs >= 0)) {
    throw new RangeError(`dedupeWindowMs must be >= 0, got ${opts.dedupeWindowMs}`);
  }
}
