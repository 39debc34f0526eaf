/**
 * The vendor adapter contract: a pure function from one vendor payload (plus the request
 * context) to common records and the reasons for whatever could not be used. Ingest
 * calls it once per request body; `faresight parse` calls it on a file.
 */

import type { Rejection } from '../model/rejection.js';
import type { ShoppingRecord } from '../model/shopping-record.js';
import type { ValidationPolicy } from '../model/validation-policy.js';

export type { Rejection };

/** Names of the adapters Faresight ships; each is also an ingest route. */
export const VENDOR_NAMES = [
  'sabre',
  'amadeus',
  'travelport',
  'duffel',
  'kiwi',
  'generic',
] as const;
/** One of `VENDOR_NAMES`. */
export type VendorName = (typeof VENDOR_NAMES)[number];

/** True when `name` is one of `VENDOR_NAMES`. */
export function isVendorName(name: string): name is VendorName {
  return (VENDOR_NAMES as readonly string[]).includes(name);
}

/** What an adapter knows about the request that carried the payload. */
export interface RequestContext {
  /** Request headers, names in lower case (`x-point-of-sale`, `x-shopped-at`, `x-transaction-id`). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** When ingest accepted the request; becomes every record's `receivedAt`. */
  readonly receivedAt: Date;
  /** Ingest's reference to the raw payload (for dead letters); adapters do not need it. */
  readonly ingestId?: string;
  /** The operator's validation choices (config `validation`) [DEFAULT_VALIDATION_POLICY]. */
  readonly validation?: ValidationPolicy;
}

/** Outcome of one payload: valid records and the rejections, in payload order. */
export interface AdapterResult {
  records: ShoppingRecord[];
  rejected: Rejection[];
}

/**
 * Turns one vendor payload into validated `ShoppingRecord`s. `parse` is pure and never
 * throws: a payload that cannot be read at all gives `records: []` and one rejection at
 * index -1. Every record it returns has passed `validateRecord`.
 */
export interface VendorAdapter {
  readonly name: VendorName;
  /** Media types the vendor sends (`application/json`, `text/xml`, ...), first is preferred. */
  readonly contentTypes: string[];
  parse(body: string | Buffer, ctx: RequestContext): AdapterResult;
}
