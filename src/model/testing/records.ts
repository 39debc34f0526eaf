/**
 * The two fixed families of records most tests use, built with the one record builder
 * (`searchRecord`, model/search-record.ts, re-exported here): `sampleRecord` (one plain
 * one-way offer) and `variedRecord` (nulls, nesting and currencies that vary with `i`,
 * for lake and codec tests).
 */
import { type OfferSpec, searchRecord } from '../search-record.js';
import type { ShoppingRecord } from '../shopping-record.js';

export { searchRecord } from '../search-record.js';

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
