import { createHash, timingSafeEqual } from 'node:crypto';

/** Who presented a request's credentials, or why they are refused. */
export type AuthResult =
  | { ok: true; vendor: string | undefined }
  | { ok: false; status: 401; message: string };

/** A vendor's secret as stored: the sha256 hex of the token. */
export interface VendorToken {
  vendor: string;
  tokenSha256: string;
}

/** sha256 hex of a secret, as stored in config (`ingest.vendors.<name>.tokenSha256`). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Per-vendor bearer tokens, stored hashed: the configured ones plus `internal` ones (the
 * token `up --demo` makes for its own feed). With no token at all the service is open
 * (`enabled` is false). A token is compared in constant time against every vendor's
 * hash, so neither the match nor its position leaks through timing.
 */
export class VendorAuth {
  private readonly hashes: { vendor: string; hash: Buffer }[];

  constructor(
    vendors: Readonly<Record<string, { tokenSha256: string }>>,
    internal: readonly VendorToken[] = [],
  ) {
    this.hashes = [
      ...Object.entries(vendors).map(([vendor, v]) => ({ vendor, tokenSha256: v.tokenSha256 })),
      ...internal,
    ].map((t) => ({ vendor: t.vendor, hash: Buffer.from(t.tokenSha256, 'hex') }));
  }

  get enabled(): boolean {
    return this.hashes.length > 0;
  }

  /**
   * The vendor owning the bearer token of `authorization` (undefined when auth is off),
   * or 401 without a valid one. Whether that vendor may use a route is the caller's
   * decision, made after it knows the route exists.
   */
  authenticate(authorization: string | undefined): AuthResult {
    if (!this.enabled) return { ok: true, vendor: undefined };
    const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (!m)
      return {
        ok: false,
        status: 401,
        message: 'missing bearer token (Authorization: Bearer <vendor secret>)',
      };
    const presented = createHash('sha256').update(m[1]!, 'utf8').digest();
    let owner: string | undefined;
    for (const h of this.hashes) if (timingSafeEqual(presented, h.hash)) owner = h.vendor;
    if (!owner) return { ok: false, status: 401, message: 'invalid bearer token' };
    return { ok: true, vendor: owner };
  }
}
