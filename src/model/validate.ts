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
import { RECORD_AVRO_SCHEMAS, RECORD_MAGIC, RECORD_SCHEMA_VERSION } from './codec.js';
import { canonicalInstant } from './date-text.js';
import { fitsMinorUnit, isCurrency } from './money.js';
import {
  compileRecordPass,
  type RecordPass,
  type RecordPassHooks,
  type ZodNode,
} from './record-pass.js';
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
 * What validateAndEncode derives from a valid offer before encoding it (an adapter's
 * flag): returns true when it changed the offer.
 */
export interface EncodeHooks {
  Offer?: (o: ShoppingRecord['offers'][number]) => boolean;
}

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

const instant = isInstant;
const date = (s: string) => s.length === 10 && isRealDate(s);
const localDateTime = isLocalDateTime;

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

const passes = new Map<ReturnType<typeof recordSchemaFor>, RecordPass>();

/** The fused validate-and-encode pass of `policy`'s schema, compiled once (record-pass.ts). */
function passOf(policy: ValidationPolicy): RecordPass {
  const schema = schemaOf(policy);
  let pass = passes.get(schema);
  if (!pass) {
    pass = compileRecordPass(
      schema as unknown as ZodNode,
      RECORD_AVRO_SCHEMAS.get(RECORD_SCHEMA_VERSION)!,
      RECORD_MAGIC,
      RECORD_SCHEMA_VERSION,
    );
    passes.set(schema, pass);
  }
  return pass;
}

/**
 * validateRecord and, for a valid record, its stream encoding (`encodeRecord`'s bytes) as
 * `data`, both from one pass over the value where it can (record-pass.ts); `data` is
 * absent when the record went the slower way (zod normalised it, or a value needs avsc's
 * verdict), and the caller encodes it. `hooks` (keyed by Avro record name, e.g. `Offer`)
 * run on every valid object of that type before it is encoded, on either way, so they
 * may set fields derived from valid values. The outcome, errors included, is
 * validateRecord's; unknown keys and instants of a valid value may change in place.
 */
export function validateAndEncode(
  value: unknown,
  policy: ValidationPolicy = DEFAULT_VALIDATION_POLICY,
  hooks?: EncodeHooks,
): Validation & { data?: Buffer } {
  const data = passOf(policy)(value, hooks as RecordPassHooks | undefined);
  if (data) {
    const v = flagged(value as ShoppingRecord, policy) as Validation & { data?: Buffer };
    v.data = data;
    return v;
  }
  const v = validateRecord(value, policy);
  if (v.ok && hooks?.Offer) for (const o of v.record.offers) hooks.Offer(o);
  return v;
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
