import { createHash } from 'node:crypto';
import type { Rejection } from '../vendors/vendor-adapter.js';

/** Name of the stream that carries dead letters (beside the shopping stream). */
export const DEAD_LETTER_STREAM = 'dead-letters';

/**
 * Something Faresight received but could not use, with the whole raw payload, so that
 * nothing a vendor sent is lost. The lake stores these as table `dead_letters`.
 */
export interface DeadLetter {
  /** Ingest request id; also the dedupe key on the stream. */
  id: string;
  vendor: string;
  /** Where it was rejected: `ingest` (adapter/validation) or a consumer stage. */
  stage: string;
  receivedAt: string;
  rejected: Rejection[];
  contentType: string | undefined;
  payloadSha256: string;
  payloadBytes: number;
  /** The raw payload (after decompression): UTF-8 text when it is valid UTF-8, else base64. */
  payload: string;
  payloadEncoding: 'utf8' | 'base64';
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
): DeadLetter {
  const text = body.toString('utf8');
  const utf8 = Buffer.byteLength(text) === body.length && !text.includes('\uFFFD');
  return {
    id,
    vendor,
    stage,
    receivedAt: receivedAt.toISOString(),
    rejected,
    contentType,
    payloadSha256: createHash('sha256').update(body).digest('hex'),
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
