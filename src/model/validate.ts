/**
 * Validation of untrusted records. The zod schema in shopping-record.ts is the single
 * source of the rules and of every error message. Because zod copies what it parses,
 * which costs most of ingest's CPU, valid records take a fast path first: an Ajv
 * validator compiled from the JSON Schema that zod derives from the same schema, plus
 * the few rules JSON Schema cannot say (calendar dates, currencies and their minor
 * units, cross-field rules). Anything the fast path does not accept goes to zod, which
 * decides and words the errors; so the fast path can only ever be slower, never wrong.
 * The operator's choices (unknown airports, clock skew) come as a ValidationPolicy.
 */
import { Ajv } from 'ajv';
import { z } from 'zod';
import { fitsMinorUnit, isCurrency } from './money.js';
import { isCountryCode, isIataLocation } from './reference/reference-data.js';
import {
  hasControlChar,
  isInstant,
  isLocalDateTime,
  isRealDate,
  recordSchemaFor,
  type ShoppingRecord,
  shoppingRecordSchema,
  unknownLocations,
} from './shopping-record.js';
import {
  DEFAULT_VALIDATION_POLICY,
  type RecordFlag,
  type ValidationPolicy,
} from './validation-policy.js';

/**
 * Outcome of validating one candidate record. `flags` lists what the policy lets pass
 * but marks (unknown airports under `flag`), as `path: problem`; absent when none.
 */
export type Validation =
  | { ok: true; record: ShoppingRecord; flags?: string[] }
  | { ok: false; errors: string[] };

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

const DAY_MS = 86_400_000;

/** Legs an offer of each trip type has: [fewest, most] (as LEGS_OF in shopping-record.ts). */
function legsFit(tripType: ShoppingRecord['tripType'], legs: number): boolean {
  return tripType === 'oneway' ? legs === 1 : tripType === 'roundtrip' ? legs === 2 : legs >= 2;
}

/** The leg's first flight leaves on `date` (`YYYY-MM-DD`, checked as a date before). */
function leavesOn(leg: ShoppingRecord['offers'][number]['legs'][number], date: string): boolean {
  const departAt = leg.segments[0]!.departAt;
  return departAt.charCodeAt(10) === 84 && departAt.startsWith(date);
}

// Segments repeat a few codes: the last one found known is remembered.
let lastKnown = '';
function knownLocation(code: string): boolean {
  if (code === lastKnown) return true;
  if (!isIataLocation(code)) return false;
  lastKnown = code;
  return true;
}

/** The rules of the record schema that JSON Schema cannot express; false = ask zod. */
function passesRefinements(r: ShoppingRecord, policy: ValidationPolicy): boolean {
  if (!instant(r.shoppedAt) || !instant(r.receivedAt)) return false;
  if (hasControlChar(r.id)) return false;
  if (r.pos !== undefined && !isCountryCode(r.pos)) return false;
  if (!date(r.departureDate)) return false;
  if (r.returnDate !== undefined) {
    if (!date(r.returnDate) || r.returnDate < r.departureDate) return false;
  } else if (r.tripType === 'roundtrip') return false;
  if (r.origin === r.destination) return false;
  if (r.passengers.infants > r.passengers.adults) return false;
  const shopped = Date.parse(r.shoppedAt);
  if (shopped - Date.parse(r.receivedAt) > policy.maxClockSkewMs) return false;
  if (r.departureDate < new Date(shopped - DAY_MS).toISOString().slice(0, 10)) return false;
  const rejectUnknown = policy.unknownAirports === 'reject';
  if (rejectUnknown && !(isIataLocation(r.origin) && isIataLocation(r.destination))) return false;
  for (const o of r.offers) {
    const legs = o.legs.length;
    if (!legsFit(r.tripType, legs)) return false;
    if (!leavesOn(o.legs[0]!, r.departureDate)) return false;
    if (r.tripType === 'roundtrip' && !leavesOn(o.legs[legs - 1]!, r.returnDate!)) return false;
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
      for (const s of l.segments) {
        if (!localDateTime(s.departAt) || !localDateTime(s.arriveAt)) return false;
        if (rejectUnknown && !(knownLocation(s.origin) && knownLocation(s.destination)))
          return false;
        if (s.bookingClass !== undefined && hasControlChar(s.bookingClass)) return false;
        if (s.fareBasis !== undefined && hasControlChar(s.fareBasis)) return false;
      }
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

const schemas = new Map<string, ReturnType<typeof recordSchemaFor>>();

/** The zod schema of `policy`, built once per distinct policy. */
function schemaOf(policy: ValidationPolicy): ReturnType<typeof recordSchemaFor> {
  if (policy === DEFAULT_VALIDATION_POLICY) return shoppingRecordSchema;
  const key = `${policy.unknownAirports}|${policy.maxClockSkewMs}`;
  let schema = schemas.get(key);
  if (!schema) {
    schema = recordSchemaFor(policy);
    schemas.set(key, schema);
  }
  return schema;
}

/** Adds the flags `policy` asks for to a valid record's outcome. */
function flagged(record: ShoppingRecord, policy: ValidationPolicy): Validation {
  if (policy.unknownAirports !== 'flag') return { ok: true, record };
  const unknown = unknownLocations(record);
  if (unknown.length === 0) return { ok: true, record };
  return {
    ok: true,
    record,
    flags: unknown.map((u) => `${formatPath(u.path)}: ${u.message}`),
  };
}

/**
 * Validates an untrusted value as a ShoppingRecord under `policy` (default
 * DEFAULT_VALIDATION_POLICY). Never throws; on failure every problem is listed with the
 * path of the field at fault. Unknown keys of a valid value may be removed from it in
 * place.
 */
export function validateRecord(
  value: unknown,
  policy: ValidationPolicy = DEFAULT_VALIDATION_POLICY,
): Validation {
  if (structure(value) && passesRefinements(value as ShoppingRecord, policy)) {
    return flagged(normalised(value as ShoppingRecord), policy);
  }
  return validateRecordStrictly(value, policy);
}

/** The zod-only path, for tests that check the fast path agrees with it. */
export function validateRecordStrictly(
  value: unknown,
  policy: ValidationPolicy = DEFAULT_VALIDATION_POLICY,
): Validation {
  const r = schemaOf(policy).safeParse(value);
  return r.success ? flagged(r.data, policy) : { ok: false, errors: describeIssues(r.error) };
}

/**
 * The flags of a record that passed validation under `policy`, in RECORD_FLAGS order:
 * what ingest counts per vendor and flag. Empty for a record kept without a mark.
 */
export function recordFlags(r: ShoppingRecord, policy: ValidationPolicy): RecordFlag[] {
  const out: RecordFlag[] = [];
  if (policy.unknownAirports === 'flag' && unknownLocations(r).length > 0)
    out.push('unknownAirport');
  if (r.offers.some((o) => o.amountsInconsistent === true)) out.push('amountsInconsistent');
  return out;
}
