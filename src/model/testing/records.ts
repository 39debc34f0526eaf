/**
 * The one builder of valid ShoppingRecords for tests (`searchRecord`), and the two fixed
 * families most tests use, built with it: `sampleRecord` (one plain one-way offer) and
 * `variedRecord` (nulls, nesting and currencies that vary with `i`, for lake and codec tests).
 */
import type { Cabin, Leg, Offer, Passengers, Segment, ShoppingRecord } from '../shopping-record.js';

/** The parts of an offer a test cares about. */
export interface OfferSpec {
  /** Validating carrier, and the carrier of every segment unless `segment.carrier` says. */
  carrier: string;
  amount: number;
  /** Default USD. */
  currency?: string;
  /** Stops of every leg; default 0. */
  stops?: number;
  /** Default economy. */
  cabin?: Cabin;
  /** Marketing carriers of the offer; default `[carrier]`. */
  carriers?: string[];
  /** Duration of every leg; default none. */
  durationMinutes?: number;
  /** Fields of every segment; default flight 100, 10:00 to 22:00 on the leg's date. */
  segment?: Partial<Segment>;
  /** Optional offer fields (baseAmount, passengerPrices, refundable, ...). */
  more?: Partial<Offer>;
}

/** The parts of a search a test cares about; everything else gets a fixed value. */
export interface SearchSpec {
  id: string;
  /** Default JFK. */
  origin?: string;
  /** Default LHR. */
  destination?: string;
  /** Default 2030-03-01. */
  departureDate?: string;
  /** Makes the search a round trip. */
  returnDate?: string;
  pos?: string;
  /** Default generic. */
  vendor?: string;
  /** Default 2030-01-01T10:00:00.000Z. */
  receivedAt?: string;
  /** Default `receivedAt`. */
  shoppedAt?: string;
  multicity?: boolean;
  /** Default one adult. */
  passengers?: Passengers;
  /** Whether a round trip's offers carry a return leg; default true. */
  returnLeg?: boolean;
  offers: OfferSpec[];
}

/** A valid ShoppingRecord (defaults: JFK-LHR, one-way on 2030-03-01, USD, economy). */
export function searchRecord(s: SearchSpec): ShoppingRecord {
  const origin = s.origin ?? 'JFK';
  const destination = s.destination ?? 'LHR';
  const departureDate = s.departureDate ?? '2030-03-01';
  const receivedAt = s.receivedAt ?? '2030-01-01T10:00:00.000Z';
  const leg = (o: OfferSpec, from: string, to: string, date: string): Leg => ({
    stops: o.stops ?? 0,
    ...(o.durationMinutes !== undefined ? { durationMinutes: o.durationMinutes } : {}),
    segments: [
      {
        carrier: o.carrier,
        flightNumber: '100',
        origin: from,
        destination: to,
        departAt: `${date}T10:00`,
        arriveAt: `${date}T22:00`,
        ...o.segment,
      },
    ],
  });
  const withReturn = s.returnDate !== undefined && s.returnLeg !== false;
  return {
    id: s.id,
    vendor: s.vendor ?? 'generic',
    shoppedAt: s.shoppedAt ?? receivedAt,
    receivedAt,
    ...(s.pos ? { pos: s.pos } : {}),
    origin,
    destination,
    departureDate,
    ...(s.returnDate ? { returnDate: s.returnDate } : {}),
    tripType: s.multicity ? 'multicity' : s.returnDate ? 'roundtrip' : 'oneway',
    passengers: s.passengers ?? { adults: 1, children: 0, infants: 0 },
    offers: s.offers.map((o) => ({
      totalAmount: o.amount,
      ...o.more,
      currency: o.currency ?? 'USD',
      validatingCarrier: o.carrier,
      carriers: o.carriers ?? [o.carrier],
      cabin: o.cabin ?? 'economy',
      legs: [
        leg(o, origin, destination, departureDate),
        ...(withReturn ? [leg(o, destination, origin, s.returnDate as string)] : []),
      ],
    })),
  };
}

/** A valid generic-format record with one one-way offer; `n` varies id, market and price. */
export function sampleRecord(n = 0, overrides: Partial<ShoppingRecord> = {}): ShoppingRecord {
  const origin = n % 2 ? 'JFK' : 'BOS';
  return {
    ...searchRecord({
      id: `rec-${n}`,
      shoppedAt: '2026-11-26T05:00:00.000Z',
      receivedAt: '2026-11-26T05:00:01.000Z',
      pos: 'US',
      origin,
      destination: 'LAX',
      departureDate: '2026-12-20',
      offers: [
        {
          carrier: 'AA',
          amount: 199.99 + n,
          segment: {
            flightNumber: String(100 + (n % 900)),
            departAt: '2026-12-20T08:00',
            arriveAt: '2026-12-20T11:30',
          },
        },
      ],
    }),
    ...overrides,
  };
}

const ROUTES = [
  ['JFK', 'LHR'],
  ['CDG', 'JFK'],
  ['SIN', 'NRT'],
  ['FRA', 'DXB'],
] as const;

/**
 * The `i`-th varied record, received at `receivedAtMs` (default 2026-11-26T05:00:00Z plus
 * i seconds) with `offers` offers (default 1 + i % 3): deterministic and valid, with
 * optional fields present or absent, two currencies and multi-carrier offers.
 */
export function variedRecord(
  i: number,
  opts: { receivedAtMs?: number; vendor?: string; offers?: number } = {},
): ShoppingRecord {
  const received = opts.receivedAtMs ?? Date.parse('2026-11-26T05:00:00.000Z') + i * 1000;
  const [origin, destination] = ROUTES[i % ROUTES.length]!;
  const roundtrip = i % 2 === 0;
  const offers = Array.from({ length: opts.offers ?? 1 + (i % 3) }, (_, k) => {
    const first = k === 0;
    return {
      carrier: k % 2 === 0 ? 'BA' : 'AA',
      carriers: k % 2 === 0 ? ['BA'] : ['AA', 'BA'],
      amount: 100 + i + k * 10.25,
      currency: k === 2 ? 'EUR' : 'USD',
      stops: k,
      durationMinutes: 420 + k * 60,
      segment: {
        carrier: 'BA',
        flightNumber: `${100 + k}`,
        departAt: '2026-12-20T18:30',
        arriveAt: '2026-12-21T06:45:00',
        ...(first ? { bookingClass: 'Y', fareBasis: 'YOWUS', cabin: 'economy' as const } : {}),
      },
      more: {
        ...(first ? { baseAmount: 80 + i, taxAmount: 20 + k * 10.25 } : {}),
        ...(k === 1 ? { perAdultAmount: 55.5 } : {}),
        ...(first
          ? {
              passengerPrices: [{ type: 'adult' as const, count: 1, totalAmount: 100 + i }],
              refundable: true,
              seatsRemaining: 4,
            }
          : {}),
      },
    } satisfies OfferSpec;
  });
  return searchRecord({
    id: `rec-${i}`,
    vendor: opts.vendor ?? 'generic',
    shoppedAt: new Date(received - 2000).toISOString(),
    receivedAt: new Date(received).toISOString(),
    ...(i % 3 === 0 ? {} : { pos: 'US' }),
    origin,
    destination,
    departureDate: '2026-12-20',
    ...(roundtrip ? { returnDate: '2026-12-27' } : {}),
    returnLeg: false,
    passengers: { adults: 1, children: i % 2, infants: 0 },
    offers,
  });
}
