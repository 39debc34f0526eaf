import type { ShoppingRecord } from '../../model/shopping-record.js';

/** A valid generic-format record; `n` varies id and market. */
export function sampleRecord(n = 0, overrides: Partial<ShoppingRecord> = {}): ShoppingRecord {
  return {
    id: `rec-${n}`,
    vendor: 'generic',
    shoppedAt: '2026-11-26T05:00:00.000Z',
    receivedAt: '2026-11-26T05:00:01.000Z',
    pos: 'US',
    origin: n % 2 ? 'JFK' : 'BOS',
    destination: 'LAX',
    departureDate: '2026-12-20',
    tripType: 'oneway',
    passengers: { adults: 1, children: 0, infants: 0 },
    offers: [
      {
        totalAmount: 199.99 + n,
        currency: 'USD',
        validatingCarrier: 'AA',
        carriers: ['AA'],
        cabin: 'economy',
        legs: [
          {
            stops: 0,
            segments: [
              {
                carrier: 'AA',
                flightNumber: String(100 + (n % 900)),
                origin: n % 2 ? 'JFK' : 'BOS',
                destination: 'LAX',
                departAt: '2026-12-20T08:00',
                arriveAt: '2026-12-20T11:30',
              },
            ],
          },
        ],
      },
    ],
    ...overrides,
  };
}
