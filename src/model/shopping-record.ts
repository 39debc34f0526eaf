/**
 * The common record: one flight search and the priced offers it returned. Every vendor
 * adapter produces it, the stream carries it (see codec.ts), the lake and the real-time
 * pipeline read it. The zod schema here is the single source of its validation; the
 * TypeScript types are inferred from it.
 */
import { z } from 'zod';
import { canonicalInstant, canonicalLocalDateTime, realDateAtStart } from './date-text.js';
import { fitsMinorUnit, isCurrency } from './money.js';
import { isCountryCode, isIataLocation } from './reference/reference-data.js';
import { DEFAULT_VALIDATION_POLICY, type ValidationPolicy } from './validation-policy.js';

/** Three-letter IATA airport or city code. */
export const IATA_AIRPORT = /^[A-Z]{3}$/;
/** Two-character IATA airline designator (or a three-letter ICAO one). */
export const CARRIER_CODE = /^(?:[A-Z0-9]{2}|[A-Z]{3})$/;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?$/;

export const TRIP_TYPES = ['oneway', 'roundtrip', 'multicity'] as const;
export type TripType = (typeof TRIP_TYPES)[number];
export const CABINS = ['economy', 'premium', 'business', 'first'] as const;
export type Cabin = (typeof CABINS)[number];
export const PASSENGER_TYPES = ['adult', 'child', 'infant'] as const;
export type PassengerType = (typeof PASSENGER_TYPES)[number];

/** True for a real calendar date `YYYY-MM-DD` at the start of `s` (arithmetic, no Date). */
export function isRealDate(s: string): boolean {
  return s.length >= 10 && realDateAtStart(s);
}

/**
 * True when `s` holds a control character (C0, DEL or C1, NUL included): never part of
 * an identifier or code, and PostgreSQL cannot store a NUL at all.
 */
export function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}
const NO_CONTROL_CHARS = 'must not contain control characters';
/** A free-form code or identifier: any text but control characters. */
const text = () => z.string().refine((s) => !hasControlChar(s), NO_CONTROL_CHARS);

const airport = z.string().regex(IATA_AIRPORT, 'must be a 3-letter IATA code');
const carrier = z.string().regex(CARRIER_CODE, 'must be an IATA airline designator');
const date = z
  .string()
  .refine((s) => s.length === 10 && isRealDate(s), 'must be a calendar date YYYY-MM-DD');
/** True for a local date-time `YYYY-MM-DDTHH:mm[:ss]` on a real calendar date. */
export function isLocalDateTime(s: string): boolean {
  return canonicalLocalDateTime(s) || (LOCAL_DATE_TIME.test(s) && isRealDate(s));
}
const localDateTime = z.string().refine(isLocalDateTime, {
  message: 'must be a local date-time YYYY-MM-DDTHH:mm[:ss]',
});
const INSTANT = /^\d{4}-\d{2}-\d{2}T.*(?:Z|[+-]\d{2}:?\d{2})$/;
/** True for an ISO 8601 instant with a zone (`Z` or an offset). */
export function isInstant(s: string): boolean {
  return canonicalInstant(s) || (INSTANT.test(s) && !Number.isNaN(Date.parse(s)));
}
/** An ISO 8601 instant with a zone; normalised to UTC with milliseconds (`...T05:00:00.000Z`). */
const instant = z
  .string()
  .refine(isInstant, { message: 'must be an ISO 8601 instant with a zone' })
  .transform((s) => (canonicalInstant(s) ? s : new Date(s).toISOString()));
/** Largest amount accepted; also what the lake's DECIMAL(18,3) columns can hold. */
export const MAX_AMOUNT = 1e12;
const amount = z
  .number()
  .finite('must be a finite number')
  .nonnegative('must not be negative')
  .max(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`);
const count = z.number().int().nonnegative();
/** An offer's total: a fare of zero or less is a vendor error, never the cheapest fare. */
const total = z
  .number()
  .finite('must be a finite number')
  .positive('must be positive')
  .max(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`);

export const segmentSchema = z.object({
  carrier,
  flightNumber: z.string().regex(/^\d{1,4}[A-Z]?$/, 'must be 1-4 digits'),
  operatingCarrier: carrier.optional(),
  origin: airport,
  destination: airport,
  departAt: localDateTime,
  arriveAt: localDateTime,
  bookingClass: text().max(2).optional(),
  fareBasis: text().max(20).optional(),
  cabin: z.enum(CABINS).optional(),
});
export type Segment = z.infer<typeof segmentSchema>;

export const legSchema = z.object({
  stops: count,
  durationMinutes: count.optional(),
  segments: z.array(segmentSchema).min(1, 'a leg needs at least one segment'),
});
export type Leg = z.infer<typeof legSchema>;

/** Price of one passenger type, when the vendor gives it. */
export const passengerPriceSchema = z.object({
  type: z.enum(PASSENGER_TYPES),
  count: count.min(1),
  totalAmount: amount,
  baseAmount: amount.optional(),
  taxAmount: amount.optional(),
});
export type PassengerPrice = z.infer<typeof passengerPriceSchema>;

const OFFER_AMOUNTS = ['totalAmount', 'baseAmount', 'taxAmount', 'perAdultAmount'] as const;

export const offerSchema = z
  .object({
    totalAmount: total,
    baseAmount: amount.optional(),
    taxAmount: amount.optional(),
    currency: z.string().refine(isCurrency, 'must be an ISO 4217 currency code'),
    perAdultAmount: amount.optional(),
    passengerPrices: z.array(passengerPriceSchema).optional(),
    validatingCarrier: carrier,
    carriers: z.array(carrier).min(1),
    cabin: z.enum(CABINS),
    refundable: z.boolean().optional(),
    seatsRemaining: count.optional(),
    /**
     * True when the vendor's base plus taxes differ from its total (the total stays the
     * truth); absent means false. Set by the adapters, counted in ingest_stats.
     */
    amountsInconsistent: z.boolean().optional(),
    legs: z.array(legSchema).min(1, 'an offer needs at least one leg'),
  })
  .superRefine((o, ctx) => {
    if (!isCurrency(o.currency)) return;
    for (const k of OFFER_AMOUNTS) {
      const v = o[k];
      if (v !== undefined && !fitsMinorUnit(v, o.currency)) {
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: `${v} has more decimals than ${o.currency}'s minor unit`,
        });
      }
    }
  });
export type Offer = z.infer<typeof offerSchema>;

/** Most passengers of one type in one search (what booking systems allow). */
export const MAX_PASSENGERS_PER_TYPE = 9;
const passengerCount = (min: number) =>
  z
    .number()
    .int('must be a whole number')
    .min(min, `must be ${min}-${MAX_PASSENGERS_PER_TYPE}`)
    .max(MAX_PASSENGERS_PER_TYPE, `must be ${min}-${MAX_PASSENGERS_PER_TYPE}`);

export const passengersSchema = z
  .object({
    adults: passengerCount(1),
    children: passengerCount(0),
    infants: passengerCount(0),
  })
  .superRefine((p, ctx) => {
    if (p.infants > p.adults)
      ctx.addIssue({
        code: 'custom',
        path: ['infants'],
        message: `${p.infants} infants with ${p.adults} adults: each infant needs an adult`,
      });
  });
export type Passengers = z.infer<typeof passengersSchema>;

const recordObject = z.object({
  id: text().min(1).max(128),
  vendor: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a vendor name'),
  shoppedAt: instant,
  receivedAt: instant,
  pos: z
    .string()
    .refine(isCountryCode, { error: (i) => `${i.input} is not an ISO 3166 country code` })
    .optional(),
  origin: airport,
  destination: airport,
  departureDate: date,
  returnDate: date.optional(),
  tripType: z.enum(TRIP_TYPES),
  passengers: passengersSchema,
  offers: z.array(offerSchema).min(1, 'a search record needs at least one offer'),
});

/** A record as the object schema gives it to the cross-field rules. */
type RecordFields = z.infer<typeof recordObject>;
/** One problem the cross-field rules found: where, and what. */
export interface RuleIssue {
  path: (string | number)[];
  message: string;
}

/** Legs an offer of each trip type has: [fewest, most]. */
const LEGS_OF: Record<TripType, readonly [number, number]> = {
  oneway: [1, 1],
  roundtrip: [2, 2],
  multicity: [2, Number.POSITIVE_INFINITY],
};
const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` one day before the UTC date of `instant`: the earliest plausible departure. */
function dayBefore(instant: string): string {
  const t = Date.parse(instant);
  return Number.isNaN(t) ? '' : new Date(t - DAY_MS).toISOString().slice(0, 10);
}

/**
 * Every airport code of the record that is not an IATA airport or city: the record's
 * origin and destination and each segment's, with their paths.
 */
export function unknownLocations(
  r: Pick<RecordFields, 'origin' | 'destination' | 'offers'>,
): RuleIssue[] {
  // plain loops and a remembered last known code: this runs for every record at ingest
  const out: RuleIssue[] = [];
  let known = '';
  const check = (code: string, path: (string | number)[]) => {
    if (code === known) return;
    // A code of the wrong shape already has its own issue.
    if (!IATA_AIRPORT.test(code)) return;
    if (isIataLocation(code)) known = code;
    else out.push({ path, message: `${code} is not a known IATA airport or city code` });
  };
  check(r.origin, ['origin']);
  check(r.destination, ['destination']);
  for (let i = 0; i < r.offers.length; i++) {
    const legs = r.offers[i]!.legs;
    for (let j = 0; j < legs.length; j++) {
      const segments = legs[j]!.segments;
      for (let k = 0; k < segments.length; k++) {
        const s = segments[k]!;
        if (s.origin !== known) check(s.origin, ['offers', i, 'legs', j, 'segments', k, 'origin']);
        if (s.destination !== known)
          check(s.destination, ['offers', i, 'legs', j, 'segments', k, 'destination']);
      }
    }
  }
  return out;
}

/**
 * The rules across fields, under `policy`: dates in order and plausible, offers that
 * fit the search (trip type, departure and return dates), known airports (when the
 * policy rejects unknown ones). Safe on fields that failed their own checks (zod runs
 * this even then); the issues come in record order.
 */
export function crossFieldIssues(r: RecordFields, policy: ValidationPolicy): RuleIssue[] {
  const out: RuleIssue[] = [];
  const add = (path: (string | number)[], message: string) => out.push({ path, message });
  if (Date.parse(r.shoppedAt) - Date.parse(r.receivedAt) > policy.maxClockSkewMs)
    add(
      ['shoppedAt'],
      `${r.shoppedAt} is in the future: more than ${policy.maxClockSkewMs / 1000} s after receivedAt ${r.receivedAt}`,
    );
  if (r.tripType === 'roundtrip' && !r.returnDate) add(['returnDate'], 'required for a round trip');
  if (r.returnDate && r.returnDate < r.departureDate)
    add(['returnDate'], `${r.returnDate} is before departureDate ${r.departureDate}`);
  const earliest = dayBefore(r.shoppedAt);
  if (r.departureDate < earliest)
    add(['departureDate'], `${r.departureDate} is before the search (shoppedAt ${r.shoppedAt})`);
  if (r.origin === r.destination) add(['destination'], 'same as origin');
  if (policy.unknownAirports === 'reject') for (const u of unknownLocations(r)) out.push(u);
  const [fewest, most] = LEGS_OF[r.tripType];
  for (let i = 0; i < r.offers.length; i++) {
    const o = r.offers[i]!;
    const legs = o.legs.length;
    if (legs < fewest || legs > most) {
      const want = most === fewest ? `${fewest}` : `at least ${fewest}`;
      add(['offers', i, 'legs'], `a ${r.tripType} offer has ${want} leg(s), this one ${legs}`);
    }
    const leaves = o.legs[0]?.segments[0]?.departAt.slice(0, 10);
    if (leaves !== undefined && leaves !== r.departureDate)
      add(
        ['offers', i, 'legs', 0, 'segments', 0, 'departAt'],
        `leaves on ${leaves}, not on departureDate ${r.departureDate}`,
      );
    if (r.tripType === 'roundtrip' && r.returnDate && legs > 1) {
      const back = o.legs[legs - 1]!.segments[0]?.departAt.slice(0, 10);
      if (back !== undefined && back !== r.returnDate)
        add(
          ['offers', i, 'legs', legs - 1, 'segments', 0, 'departAt'],
          `leaves on ${back}, not on returnDate ${r.returnDate}`,
        );
    }
  }
  return out;
}

/** The record schema under `policy`: its field rules and its cross-field rules. */
export function recordSchemaFor(policy: ValidationPolicy) {
  return recordObject.superRefine((r, ctx) => {
    for (const i of crossFieldIssues(r, policy))
      ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
  });
}

/** The record schema under DEFAULT_VALIDATION_POLICY. */
export const shoppingRecordSchema = recordSchemaFor(DEFAULT_VALIDATION_POLICY);

/** One search and its offers, as every part of Faresight sees it. */
export type ShoppingRecord = z.infer<typeof shoppingRecordSchema>;

/** The stream routing key of a record: its market. */
export function marketKey(r: Pick<ShoppingRecord, 'origin' | 'destination'>): string {
  return `${r.origin}-${r.destination}`;
}

/**
 * The identity of a record, and its dedupe key: (vendor, id), as `<vendor>:<id>`. A vendor
 * name never holds `:`, so two different pairs never give the same key; two vendors may
 * use the same id without either record being taken for a duplicate of the other.
 */
export function recordKey(r: Pick<ShoppingRecord, 'vendor' | 'id'>): string {
  return `${r.vendor}:${r.id}`;
}
