import { createHash, timingSafeEqual } from 'node:crypto';

/** Outcome of checking a request's credentials against a route. */
export type AuthResult =
  | { ok: true; vendor: string | undefined }
  | { ok: false; status: 401 | 403; message: string };

/** sha256 hex of a secret, as stored in config (`ingest.vendors.<name>.tokenSha256`). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Per-vendor bearer tokens, stored hashed. With no vendor configured the service is open
 * (`enabled` is false). A token is compared in constant time against every vendor's hash,
 * so neither the match nor its position leaks through timing.
 */
export class VendorAuth {
  private readonly hashes: { vendor: string; hash: Buffer }[];

  constructor(vendors: Readonly<Record<string, { tokenSha256: string }>>) {
    this.hashes = Object.entries(vendors).map(([vendor, v]) => ({
      vendor,
      hash: Buffer.from(v.tokenSha256, 'hex'),
    }));
  }

  get enabled(): boolean {
    return this.hashes.length > 0;
  }

  /** 401 without a valid token, 403 when the token belongs to another vendor than `route`. */
  check(route: string, authorization: string | undefined): AuthResult {
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
    if (owner !== route) {
      return {
        ok: false,
        status: 403,
        message: `this token belongs to vendor "${owner}" and may post only to /v1/ingest/${owner}`,
      };
    }
    return { ok: true, vendor: owner };
  }
}
