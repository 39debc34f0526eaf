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

/*
 * Character-level versions of the date checks for the common, canonical spellings. Each
 * accepts a subset of what its counterpart in shopping-record.ts accepts (anything else
 * goes to that counterpart), so they change no outcome, only the cost: the regular
 * expressions, slices and Date round trips they replace were a third of validation.
 */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at i as a number, or -1. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** `YYYY-MM-DD` at the start of s is a real calendar date (as isRealDate). */
function realDateAtStart(s: string): boolean {
  const hi = digits2(s, 0);
  const lo = digits2(s, 2);
  const m = digits2(s, 5);
  const d = digits2(s, 8);
  if (hi < 0 || lo < 0 || m < 1 || m > 12 || d < 1) return false;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  const y = hi * 100 + lo;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!);
}

/** `THH:mm` at i (T, two digits, colon, two digits; the values are not range-checked). */
function clockAt(s: string, i: number, sep: number): boolean {
  return (
    s.charCodeAt(i) === sep &&
    digits2(s, i + 1) >= 0 &&
    s.charCodeAt(i + 3) === 58 &&
    digits2(s, i + 4) >= 0
  );
}

/** As isLocalDateTime: `YYYY-MM-DDTHH:mm` or `YYYY-MM-DDTHH:mm:ss` on a real date. */
function localDateTime(s: string): boolean {
  if (s.length === 19) {
    if (!clockAt(s, 13, 58) || digits2(s, 17) < 0) return false;
  } else if (s.length !== 16) return isLocalDateTime(s);
  return clockAt(s, 10, 84) && realDateAtStart(s);
}

/**
 * `YYYY-MM-DDTHH:mm:ss.sssZ` naming a real instant: what `new Date(s).toISOString()`
 * gives back unchanged (hours to 23, minutes and seconds to 59, a real date; Date would
 * roll a 30 February or a 24:00 over to the next day).
 */
function canonicalInstant(s: string): boolean {
  return (
    s.length === 24 &&
    s.charCodeAt(23) === 90 &&
    s.charCodeAt(19) === 46 &&
    digits2(s, 20) >= 0 &&
    digits2(s, 21) >= 0 &&
    clockAt(s, 10, 84) &&
    s.charCodeAt(16) === 58 &&
    digits2(s, 11) <= 23 &&
    digits2(s, 14) <= 59 &&
    digits2(s, 17) >= 0 &&
    digits2(s, 17) <= 59 &&
    realDateAtStart(s)
  );
}

const instant = (s: string) => canonicalInstant(s) || isInstant(s);
const date = (s: string) => s.length === 10 && (realDateAtStart(s) || isRealDate(s));

/** The rules of shoppingRecordSchema that JSON Schema cannot express; false = ask zod. */
function passesRefinements(r: ShoppingRecord): boolean {
  if (!instant(r.shoppedAt) || !instant(r.receivedAt)) return false;
  if (!date(r.departureDate)) return false;
  if (r.returnDate !== undefined) {
    if (!date(r.returnDate) || r.returnDate < r.departureDate) return false;
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
        if (!localDateTime(s.departAt) || !localDateTime(s.arriveAt)) return false;
    }
  }
  return true;
}

/** Instants as zod's transform gives them: UTC with milliseconds. */
function normalised(r: ShoppingRecord): ShoppingRecord {
  if (canonicalInstant(r.shoppedAt) && canonicalInstant(r.receivedAt)) return r;
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
