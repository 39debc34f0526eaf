import { createHash, randomBytes } from 'node:crypto';
import type { Rejection } from './rejection.js';

/** Name of the stream that carries dead letters (beside the shopping stream). */
export const DEAD_LETTER_STREAM = 'dead-letters';

/**
 * Something Faresight received but could not use, with the whole raw payload, so that
 * nothing a vendor sent is lost. The lake stores these as table `dead_letters`.
 */
export interface DeadLetter {
  /**
   * Identity of the dead letter, also its dedupe key on the stream: its content and its
   * arrival, never a caller-chosen header. At ingest `<sha256 prefix>-<receivedAt ms>-<random>`
   * (arrivalId); in a consumer stage the stream position of the record it stands for.
   */
  id: string;
  /** The caller's `X-Request-Id`, for correlation only (absent when none was sent). */
  requestId?: string;
  vendor: string;
  /** Where it was rejected: `ingest` (adapter/validation) or a consumer stage. */
  stage: string;
  receivedAt: string;
  rejected: Rejection[];
  contentType: string | undefined;
  payloadSha256: string;
  payloadBytes: number;
  /**
   * The raw payload (after decompression): UTF-8 text when it is valid UTF-8, else base64;
   * empty when `payloadEncoding` is `object`.
   */
  payload: string;
  /** `object`: the payload is too large to travel inline and is the object `payloadObject`. */
  payloadEncoding: 'utf8' | 'base64' | 'object';
  /** Key, in the lake's object store, of the whole raw payload (with `payloadEncoding` `object`). */
  payloadObject?: string;
}

/** sha256 hex of a payload. */
export function payloadSha256(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * The identity of one arrival of `body` at `receivedAt`: a prefix of its content hash, the
 * arrival time and 48 random bits, so that two arrivals never share an id (even of the
 * same bytes in the same millisecond) and the id still says what it holds.
 */
export function arrivalId(sha256: string, receivedAt: Date): string {
  return `${sha256.slice(0, 32)}-${receivedAt.getTime()}-${randomBytes(6).toString('hex')}`;
}

/** Builds the dead letter of a request body. */
export function deadLetterOf(
  id: string,
  vendor: string,
  receivedAt: Date,
  rejected: Rejection[],
  body: Buffer,
  contentType: string | undefined,
  stage = 'ingest',
  requestId?: string,
): DeadLetter {
  const text = body.toString('utf8');
  const utf8 = Buffer.byteLength(text) === body.length && !text.includes('\uFFFD');
  return {
    id,
    ...(requestId === undefined ? {} : { requestId }),
    vendor,
    stage,
    receivedAt: receivedAt.toISOString(),
    rejected,
    contentType,
    payloadSha256: payloadSha256(body),
    payloadBytes: body.length,
    payload: utf8 ? text : body.toString('base64'),
    payloadEncoding: utf8 ? 'utf8' : 'base64',
  };
}

/** Stream bytes of a dead letter (JSON, UTF-8). */
export function encodeDeadLetter(d: DeadLetter): Buffer {
  return Buffer.from(JSON.stringify(d), 'utf8');
}

/** Reads a dead letter back from stream bytes. Throws SyntaxError on foreign bytes. */
export function decodeDeadLetter(data: Uint8Array): DeadLetter {
  return JSON.parse(
    Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8'),
  ) as DeadLetter;
}

/** A rejection reason without item indexes, for counting by kind (`offers[].currency: ...`). */
export function reasonClass(reason: string): string {
  return reason
    .replace(/\[\d+\]/g, '[]')
    .replace(/\s+/g, ' ')
    .slice(0, 120);
}
