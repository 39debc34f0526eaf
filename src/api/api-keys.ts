import { createHash, timingSafeEqual } from 'node:crypto';
import { KEY_HEADERS, presentedKey } from '../ops/presented-key.js';
import { RateLimiter } from '../ops/rate-limiter.js';

/** A customer key as configured (`api.keys.<name>`): only the sha256 of the secret. */
export interface ApiKeyConfig {
  keySha256: string;
  ratePerSecond?: number | undefined;
  /** Path prefixes the key may use (`/v1/fares`); absent = every route. */
  allow?: readonly string[] | undefined;
}

/** Outcome of checking a request's key. */
export type KeyCheck =
  | { ok: true; name: string | undefined }
  | { ok: false; status: 401 | 403 | 429; error: string; message: string; retryAfterMs?: number };

/**
 * Customer API keys, stored hashed, each with its own token-bucket rate limit (per API
 * process). With no key configured the API is open (`enabled` false). A key is taken
 * from `Authorization: Bearer <key>` or `X-Api-Key`, hashed, and compared in constant
 * time with every configured hash.
 */
export class ApiKeys {
  private readonly keys: {
    name: string;
    hash: Buffer;
    limiter: RateLimiter;
    allow: readonly string[] | undefined;
  }[];

  constructor(
    keys: Readonly<Record<string, ApiKeyConfig>>,
    defaultRatePerSecond: number,
    now?: () => number,
  ) {
    this.keys = Object.entries(keys).map(([name, k]) => ({
      name,
      hash: Buffer.from(k.keySha256, 'hex'),
      limiter: new RateLimiter(k.ratePerSecond ?? defaultRatePerSecond, now),
      allow: k.allow,
    }));
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /**
   * 401 without a known key, 403 when the key may not use `path`, 429 (with the wait)
   * when the key is over its rate.
   */
  check(headers: Readonly<Record<string, string | string[] | undefined>>, path: string): KeyCheck {
    if (!this.enabled) return { ok: true, name: undefined };
    const presented = presentedKey(headers);
    if (!presented) {
      return {
        ok: false,
        status: 401,
        error: 'unauthorized',
        message: `missing API key (${KEY_HEADERS})`,
      };
    }
    const h = createHash('sha256').update(presented, 'utf8').digest();
    let found: (typeof this.keys)[number] | undefined;
    for (const k of this.keys) if (timingSafeEqual(h, k.hash)) found = k;
    if (!found)
      return { ok: false, status: 401, error: 'unauthorized', message: 'unknown API key' };
    if (found.allow && !found.allow.some((p) => path.startsWith(p))) {
      return {
        ok: false,
        status: 403,
        error: 'forbidden',
        message: `key "${found.name}" may not use ${path} (allowed: ${found.allow.join(', ')})`,
      };
    }
    const wait = found.limiter.take(found.name);
    if (wait > 0) {
      return {
        ok: false,
        status: 429,
        error: 'too_many_requests',
        message: `rate limit of key "${found.name}" exceeded; retry in ${wait} ms`,
        retryAfterMs: wait,
      };
    }
    return { ok: true, name: found.name };
  }
}
