/** Hand-built ShoppingRecords for lake tests: deterministic, valid, varied enough to cover nulls and nesting. */
import type { ShoppingRecord } from '../../model/shopping-record.js';

const ROUTES = [
  ['JFK', 'LHR'],
  ['CDG', 'JFK'],
  ['SIN', 'NRT'],
  ['FRA', 'DXB'],
] as const;

/**
 * The `i`-th sample record, received at `receivedAtMs` (default 2026-11-26T05:00:00Z plus
 * i seconds) with `offers` offers (default 1 + i % 3).
 */
export function sampleRecord(
  i: number,
  opts: { receivedAtMs?: number; vendor?: string; offers?: number } = {},
): ShoppingRecord {
  const received = opts.receivedAtMs ?? Date.parse('2026-11-26T05:00:00.000Z') + i * 1000;
  const [origin, destination] = ROUTES[i % ROUTES.length]!;
  const roundtrip = i % 2 === 0;
  const offers = Array.from({ length: opts.offers ?? 1 + (i % 3) }, (_, k) => ({
    totalAmount: 100 + i + k * 10.25,
    ...(k === 0 ? { baseAmount: 80 + i, taxAmount: 20 + k * 10.25 } : {}),
    currency: k === 2 ? 'EUR' : 'USD',
    ...(k === 1 ? { perAdultAmount: 55.5 } : {}),
    ...(k === 0
      ? { passengerPrices: [{ type: 'adult' as const, count: 1, totalAmount: 100 + i }] }
      : {}),
    validatingCarrier: k % 2 === 0 ? 'BA' : 'AA',
    carriers: k % 2 === 0 ? ['BA'] : ['AA', 'BA'],
    cabin: 'economy' as const,
    ...(k === 0 ? { refundable: true, seatsRemaining: 4 } : {}),
    legs: [
      {
        stops: k,
        durationMinutes: 420 + k * 60,
        segments: [
          {
            carrier: 'BA',
            flightNumber: `${100 + k}`,
            origin,
            destination,
            departAt: '2026-12-20T18:30',
            arriveAt: '2026-12-21T06:45:00',
            ...(k === 0
              ? { bookingClass: 'Y', fareBasis: 'YOWUS', cabin: 'economy' as const }
              : {}),
          },
        ],
      },
    ],
  }));
  return {
    id: `rec-${i}`,
    vendor: opts.vendor ?? 'generic',
    shoppedAt: new Date(received - 2000).toISOString(),
    receivedAt: new Date(received).toISOString(),
    ...(i % 3 === 0 ? {} : { pos: 'US' }),
    origin,
    destination,
    departureDate: '2026-12-20',
    ...(roundtrip ? { returnDate: '2026-12-27' } : {}),
    tripType: roundtrip ? 'roundtrip' : 'oneway',
    passengers: { adults: 1, children: i % 2, infants: 0 },
    offers,
  };
}
