import { createHash } from 'node:crypto';

/** First 16 hex digits of the SHA-256 of `s`: names a compacted file after the ranges it holds. */
export function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}
