/**
 * The search context of a record that payloads often leave out: transaction id,
 * shopping time and point of sale. Id and point of sale come from the payload when
 * present, else from the request headers `x-transaction-id`, `x-point-of-sale`; the shop
 * time from `x-shopped-at`, else the payload; else the receive time or a deterministic
 * id, so re-posting the same payload dedupes.
 */
import { createHash } from 'node:crypto';
import { PayloadError } from './errors.js';
import type { RequestContext, VendorName } from './vendor-adapter.js';

const INSTANT = /^\d{4}-\d{2}-\d{2}T.*(?:Z|[+-]\d{2}:?\d{2})$/;

/** Context values found in the payload itself; any may be absent. */
export interface PayloadContext {
  id?: string | undefined;
  shoppedAt?: string | undefined;
  pos?: string | undefined;
}

/** Resolved context of one record. */
export interface SearchContext {
  id: string;
  shoppedAt: string;
  receivedAt: string;
  pos?: string;
}

/** The instant in UTC (`...Z`) when `raw` is an ISO 8601 instant with a zone, else undefined. */
export function toInstant(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || !INSTANT.test(raw.trim())) return undefined;
  const t = Date.parse(raw.trim());
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** First 16 hex digits of the SHA-256 of the payload: the stable part of assigned ids. */
export function payloadDigest(body: string | Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/** The id assigned to record `n` of a payload that carries none: `${vendor}-${digest}-${n}`. */
export function assignedId(vendor: VendorName, body: string | Buffer, n: number): string {
  return `${vendor}-${payloadDigest(body)}-${n}`;
}

/**
 * Reads the context headers. Throws PayloadError naming the header when `x-shopped-at`
 * is present but not an ISO 8601 instant with a zone.
 */
export function headerContext(ctx: RequestContext): PayloadContext {
  const h = ctx.headers;
  const raw = h['x-shopped-at']?.trim();
  const shoppedAt = raw ? toInstant(raw) : undefined;
  if (raw && !shoppedAt) {
    throw new PayloadError(
      'header x-shopped-at',
      `"${raw}" is not an ISO 8601 instant with a zone (e.g. 2025-03-01T10:00:00Z)`,
    );
  }
  return {
    id: h['x-transaction-id']?.trim() || undefined,
    shoppedAt,
    pos: h['x-point-of-sale']?.trim().toUpperCase() || undefined,
  };
}

/**
 * Context of record `n` of a payload: id and point of sale from the payload first, then
 * the headers; shop time from `x-shopped-at` first, then the payload's own creation or
 * shopping time; else the receive time and an assigned id. Throws PayloadError on a
 * malformed `x-shopped-at`.
 */
export function resolveSearchContext(
  vendor: VendorName,
  body: string | Buffer,
  ctx: RequestContext,
  payload: PayloadContext,
  n = 0,
): SearchContext {
  const headers = headerContext(ctx);
  const receivedAt = ctx.receivedAt.toISOString();
  const out: SearchContext = {
    id: payload.id || headers.id || assignedId(vendor, body, n),
    // The sender's X-Shopped-At overrides: it may post a payload long after the search.
    shoppedAt: headers.shoppedAt ?? toInstant(payload.shoppedAt) ?? receivedAt,
    receivedAt,
  };
  const pos = payload.pos?.trim().toUpperCase() || headers.pos;
  if (pos) out.pos = pos;
  return out;
}
