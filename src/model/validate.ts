/**
 * Validation of untrusted records. The zod schema in shopping-record.ts is the single
 * source of the rules and of every error message. Because zod copies what it parses,
 * which costs most of ingest's CPU, valid records take a fast path first: an Ajv
 * validator compiled from the JSON Schema that zod derives from the same schema, plus
 * the few rules JSON Schema cannot say (calendar dates, currencies and their minor
 * units, cross-field rules). Anything the fast path does not accept goes to zod, which
 * decides and words the errors; so the fast path can only ever be slower, never wrong.
 */
import { Ajv } from 'ajv';
import { z } from 'zod';
import { fitsMinorUnit, isCurrency } from './money.js';
import {
  isInstant,
  isLocalDateTime,
  isRealDate,
  type ShoppingRecord,
  shoppingRecordSchema,
} from './shopping-record.js';

/** Outcome of validating one candidate record. */
export type Validation = { ok: true; record: ShoppingRecord } | { ok: false; errors: string[] };

/** Formats a zod issue path as `offers[0].legs[1].segments[0].origin`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(record)';
}

/** Human-readable errors naming field and problem, e.g. `offers[0].currency: must be ...`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

// removeAdditional: unknown keys are dropped in place, as zod's parse drops them.
const structure = new Ajv({ strict: false, removeAdditional: 'all', allErrors: false }).compile(
  z.toJSONSchema(shoppingRecordSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }),
);

const AMOUNTS = ['totalAmount', 'baseAmount', 'taxAmount', 'perAdultAmount'] as const;

/** The rules of shoppingRecordSchema that JSON Schema cannot express; false = ask zod. */
function passesRefinements(r: ShoppingRecord): boolean {
  if (!isInstant(r.shoppedAt) || !isInstant(r.receivedAt)) return false;
  if (r.departureDate.length !== 10 || !isRealDate(r.departureDate)) return false;
  if (r.returnDate !== undefined) {
    if (r.returnDate.length !== 10 || !isRealDate(r.returnDate) || r.returnDate < r.departureDate)
      return false;
  } else if (r.tripType === 'roundtrip') return false;
  if (r.origin === r.destination) return false;
  if (r.passengers.adults + r.passengers.children + r.passengers.infants === 0) return false;
  for (const o of r.offers) {
    if (!isCurrency(o.currency)) return false;
    for (const k of AMOUNTS) {
      const v = o[k];
      if (v !== undefined && (!Number.isFinite(v) || !fitsMinorUnit(v, o.currency))) return false;
    }
    if (o.passengerPrices) {
      for (const p of o.passengerPrices) {
        if (!Number.isFinite(p.totalAmount)) return false;
        if (p.baseAmount !== undefined && !Number.isFinite(p.baseAmount)) return false;
        if (p.taxAmount !== undefined && !Number.isFinite(p.taxAmount)) return false;
      }
    }
    for (const l of o.legs) {
      for (const s of l.segments)
        if (!isLocalDateTime(s.departAt) || !isLocalDateTime(s.arriveAt)) return false;
    }
  }
  return true;
}

/** Instants as zod's transform gives them: UTC with milliseconds. */
function normalised(r: ShoppingRecord): ShoppingRecord {
  const shoppedAt = new Date(r.shoppedAt).toISOString();
  const receivedAt = new Date(r.receivedAt).toISOString();
  return shoppedAt === r.shoppedAt && receivedAt === r.receivedAt
    ? r
    : { ...r, shoppedAt, receivedAt };
}

/**
 * Validates an untrusted value as a ShoppingRecord. Never throws; on failure every
 * problem is listed with the path of the field at fault. Unknown keys of a valid value
 * may be removed from it in place.
 */
export function validateRecord(value: unknown): Validation {
  if (structure(value) && passesRefinements(value as ShoppingRecord)) {
    return { ok: true, record: normalised(value as ShoppingRecord) };
  }
  const r = shoppingRecordSchema.safeParse(value);
  return r.success ? { ok: true, record: r.data } : { ok: false, errors: describeIssues(r.error) };
}

/** The zod-only path, for tests that check the fast path agrees with it. */
export function validateRecordStrictly(value: unknown): Validation {
  const r = shoppingRecordSchema.safeParse(value);
  return r.success ? { ok: true, record: r.data } : { ok: false, errors: describeIssues(r.error) };
}
