/**
 * One case per rule of record validation: how to break a valid record so that the rule
 * (and, where the rule allows, only it) refuses it, and the error that must name the
 * field. Shared by the tests that check every sink refuses what the validator refuses.
 */
import type { ShoppingRecord } from '../shopping-record.js';

/** A rule of validation broken on purpose. */
export interface RejectionCase {
  /** Short name, usable in a record id. */
  name: string;
  /** Breaks the rule on `r` (a valid one-way record, one offer of one flight). */
  breakIt: (r: ShoppingRecord) => void;
  /** What the validator's error must say, naming the field. */
  error: RegExp;
}

const seg = (r: ShoppingRecord) => r.offers[0]!.legs[0]!.segments[0]!;

/** Every rule of the validation rules table in docs/vendors.md, broken once. */
export const REJECTION_CASES: readonly RejectionCase[] = [
  {
    name: 'nul-in-id',
    breakIt: (r) => {
      r.id = `${r.id}\u0000`;
    },
    error: /id: must not contain control characters/,
  },
  {
    name: 'control-in-booking-class',
    breakIt: (r) => {
      seg(r).bookingClass = '\u001b';
    },
    error: /segments\[0\]\.bookingClass: must not contain control characters/,
  },
  {
    name: 'bad-vendor',
    breakIt: (r) => {
      r.vendor = 'Bad Vendor';
    },
    error: /vendor: /,
  },
  {
    name: 'unknown-origin',
    breakIt: (r) => {
      r.origin = 'QQQ';
      seg(r).origin = 'QQQ';
    },
    error: /origin: QQQ is not a known IATA airport or city code/,
  },
  {
    name: 'unknown-segment-airport',
    breakIt: (r) => {
      seg(r).destination = 'QQQ';
    },
    error: /segments\[0\]\.destination: QQQ is not a known IATA airport or city code/,
  },
  {
    name: 'pos-zz',
    breakIt: (r) => {
      r.pos = 'ZZ';
    },
    error: /pos: /,
  },
  {
    name: 'shopped-in-future',
    breakIt: (r) => {
      r.shoppedAt = '2099-01-01T00:00:00.000Z';
    },
    error: /shoppedAt: 2099-01-01T00:00:00\.000Z is in the future/,
  },
  {
    name: 'departure-before-search',
    breakIt: (r) => {
      r.departureDate = '2029-06-01';
      seg(r).departAt = '2029-06-01T10:00';
      seg(r).arriveAt = '2029-06-01T22:00';
    },
    error: /departureDate: 2029-06-01 is before the search/,
  },
  {
    name: 'return-before-departure',
    breakIt: (r) => {
      r.returnDate = '2030-02-01';
    },
    error: /returnDate: 2030-02-01 is before departureDate/,
  },
  {
    name: 'roundtrip-without-return',
    breakIt: (r) => {
      r.tripType = 'roundtrip';
    },
    error: /returnDate: required for a round trip/,
  },
  {
    name: 'same-origin-destination',
    breakIt: (r) => {
      r.destination = r.origin;
    },
    error: /destination: same as origin/,
  },
  {
    name: 'zero-price',
    breakIt: (r) => {
      r.offers[0]!.totalAmount = 0;
    },
    error: /offers\[0\]\.totalAmount: must be positive/,
  },
  {
    name: 'negative-price',
    breakIt: (r) => {
      r.offers[0]!.totalAmount = -5;
    },
    error: /offers\[0\]\.totalAmount: must be positive/,
  },
  {
    name: 'sub-cent-price',
    breakIt: (r) => {
      r.offers[0]!.totalAmount = 100.001;
    },
    error: /offers\[0\]\.totalAmount: /,
  },
  {
    name: 'unknown-currency',
    breakIt: (r) => {
      r.offers[0]!.currency = 'ABC';
    },
    error: /offers\[0\]\.currency: /,
  },
  {
    name: 'no-adults',
    breakIt: (r) => {
      r.passengers.adults = 0;
    },
    error: /passengers\.adults: must be 1-9/,
  },
  {
    name: 'billion-adults',
    breakIt: (r) => {
      r.passengers.adults = 1e9;
    },
    error: /passengers\.adults: must be 1-9/,
  },
  {
    name: 'ten-children',
    breakIt: (r) => {
      r.passengers.children = 10;
    },
    error: /passengers\.children: /,
  },
  {
    name: 'more-infants-than-adults',
    breakIt: (r) => {
      r.passengers.infants = 2;
    },
    error: /passengers\.infants: /,
  },
  {
    name: 'trip-type-legs',
    breakIt: (r) => {
      r.tripType = 'multicity';
    },
    error: /offers\[0\]\.legs: a multicity offer has at least 2 leg\(s\), this one 1/,
  },
  {
    name: 'offer-on-other-date',
    breakIt: (r) => {
      seg(r).departAt = '2030-03-02T10:00';
      seg(r).arriveAt = '2030-03-02T22:00';
    },
    error: /segments\[0\]\.departAt: leaves on 2030-03-02, not on departureDate 2030-03-01/,
  },
  {
    name: 'impossible-date',
    breakIt: (r) => {
      seg(r).arriveAt = '2030-02-30T22:00';
    },
    error: /segments\[0\]\.arriveAt: /,
  },
  {
    name: 'bad-carrier',
    breakIt: (r) => {
      seg(r).carrier = 'B!';
    },
    error: /segments\[0\]\.carrier: /,
  },
];
