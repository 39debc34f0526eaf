/**
 * The common record: one flight search and the priced offers it returned. Every vendor
 * adapter produces it, the stream carries it (see codec.ts), the lake and the real-time
 * pipeline read it. The zod schema here is the single source of its validation; the
 * TypeScript types are inferred from it.
 */
import { z } from 'zod';
import { fitsMinorUnit, isCurrency } from './money.js';

/** Three-letter IATA airport or city code. */
export const IATA_AIRPORT = /^[A-Z]{3}$/;
/** Two-character IATA airline designator (or a three-letter ICAO one). */
export const CARRIER_CODE = /^(?:[A-Z0-9]{2}|[A-Z]{3})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?$/;

export const TRIP_TYPES = ['oneway', 'roundtrip', 'multicity'] as const;
export type TripType = (typeof TRIP_TYPES)[number];
export const CABINS = ['economy', 'premium', 'business', 'first'] as const;
export type Cabin = (typeof CABINS)[number];
export const PASSENGER_TYPES = ['adult', 'child', 'infant'] as const;
export type PassengerType = (typeof PASSENGER_TYPES)[number];

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True for a real calendar date `YYYY-MM-DD` (arithmetic, no Date: this is on the ingest hot path). */
export function isRealDate(s: string): boolean {
  if (s.length < 10 || !DATE.test(s.slice(0, 10))) return false;
  const y = +s.slice(0, 4);
  const m = +s.slice(5, 7);
  const d = +s.slice(8, 10);
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!);
}

const airport = z.string().regex(IATA_AIRPORT, 'must be a 3-letter IATA code');
const carrier = z.string().regex(CARRIER_CODE, 'must be an IATA airline designator');
const date = z
  .string()
  .refine((s) => s.length === 10 && isRealDate(s), 'must be a calendar date YYYY-MM-DD');
/** True for a local date-time `YYYY-MM-DDTHH:mm[:ss]` on a real calendar date. */
export function isLocalDateTime(s: string): boolean {
  return LOCAL_DATE_TIME.test(s) && isRealDate(s);
}
const localDateTime = z.string().refine(isLocalDateTime, {
  message: 'must be a local date-time YYYY-MM-DDTHH:mm[:ss]',
});
const INSTANT = /^\d{4}-\d{2}-\d{2}T.*(?:Z|[+-]\d{2}:?\d{2})$/;
/** True for an ISO 8601 instant with a zone (`Z` or an offset). */
export function isInstant(s: string): boolean {
  return INSTANT.test(s) && !Number.isNaN(Date.parse(s));
}
/** An ISO 8601 instant with a zone; normalised to UTC with milliseconds (`...T05:00:00.000Z`). */
const instant = z
  .string()
  .refine(isInstant, { message: 'must be an ISO 8601 instant with a zone' })
  .transform((s) => new Date(s).toISOString());
/** Largest amount accepted; also what the lake's DECIMAL(18,3) columns can hold. */
export const MAX_AMOUNT = 1e12;
const amount = z
  .number()
  .finite('must be a finite number')
  .nonnegative('must not be negative')
  .max(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`);
const count = z.number().int().nonnegative();

export const segmentSchema = z.object({
  carrier,
  flightNumber: z.string().regex(/^\d{1,4}[A-Z]?$/, 'must be 1-4 digits'),
  operatingCarrier: carrier.optional(),
  origin: airport,
  destination: airport,
  departAt: localDateTime,
  arriveAt: localDateTime,
  bookingClass: z.string().max(2).optional(),
  fareBasis: z.string().max(20).optional(),
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

export const offerSchema = z
  .object({
    totalAmount: amount,
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
    for (const k of ['totalAmount', 'baseAmount', 'taxAmount', 'perAdultAmount'] as const) {
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

export const passengersSchema = z.object({
  adults: count,
  children: count,
  infants: count,
});
export type Passengers = z.infer<typeof passengersSchema>;

export const shoppingRecordSchema = z
  .object({
    id: z.string().min(1).max(128),
    vendor: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a vendor name'),
    shoppedAt: instant,
    receivedAt: instant,
    pos: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166 country code')
      .optional(),
    origin: airport,
    destination: airport,
    departureDate: date,
    returnDate: date.optional(),
    tripType: z.enum(TRIP_TYPES),
    passengers: passengersSchema,
    offers: z.array(offerSchema).min(1, 'a search record needs at least one offer'),
  })
  .superRefine((r, ctx) => {
    if (r.tripType === 'roundtrip' && !r.returnDate) {
      ctx.addIssue({ code: 'custom', path: ['returnDate'], message: 'required for a round trip' });
    }
    if (r.returnDate && r.returnDate < r.departureDate) {
      ctx.addIssue({
        code: 'custom',
        path: ['returnDate'],
        message: `${r.returnDate} is before departureDate ${r.departureDate}`,
      });
    }
    if (r.origin === r.destination) {
      ctx.addIssue({ code: 'custom', path: ['destination'], message: 'same as origin' });
    }
    if (r.passengers.adults + r.passengers.children + r.passengers.infants === 0) {
      ctx.addIssue({ code: 'custom', path: ['passengers'], message: 'no passengers' });
    }
  });

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
