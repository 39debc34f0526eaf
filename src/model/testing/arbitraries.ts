/** fast-check arbitraries of valid common records, for property-based tests anywhere. */
import fc from 'fast-check';
import { CABINS, type ShoppingRecord } from '../shopping-record.js';

const airport = fc.stringMatching(/^[A-Z]{3}$/);
const carrier = fc.stringMatching(/^[A-Z][A-Z0-9]$/);
const day = fc
  .integer({ min: 0, max: 3000 })
  .map((n) => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000));
const isoDate = day.map((d) => d.toISOString().slice(0, 10));
const instant = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) })
  .map((t) => new Date(t).toISOString());
const localDateTime = fc
  .tuple(isoDate, fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([d, h, m]) => `${d}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const currency = fc.constantFrom('USD', 'EUR', 'GBP', 'JPY', 'KWD');
const scaleOf: Record<string, number> = { USD: 100, EUR: 100, GBP: 100, JPY: 1, KWD: 1000 };

const segment = fc.record(
  {
    carrier,
    flightNumber: fc.integer({ min: 1, max: 9999 }).map(String),
    operatingCarrier: carrier,
    origin: airport,
    destination: airport,
    departAt: localDateTime,
    arriveAt: localDateTime,
    bookingClass: fc.stringMatching(/^[A-Z]$/),
    fareBasis: fc.stringMatching(/^[A-Z0-9]{3,8}$/),
    cabin: fc.constantFrom(...CABINS),
  },
  { requiredKeys: ['carrier', 'flightNumber', 'origin', 'destination', 'departAt', 'arriveAt'] },
);

const leg = fc.record(
  {
    stops: fc.integer({ min: 0, max: 3 }),
    durationMinutes: fc.integer({ min: 30, max: 2000 }),
    segments: fc.array(segment, { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: ['stops', 'segments'] },
);

const offer = currency.chain((cur) => {
  const money = fc.integer({ min: 0, max: 5_000_000 }).map((n) => n / scaleOf[cur]!);
  return fc.record(
    {
      totalAmount: money,
      baseAmount: money,
      taxAmount: money,
      currency: fc.constant(cur),
      perAdultAmount: money,
      passengerPrices: fc.array(
        fc.record(
          {
            type: fc.constantFrom('adult' as const, 'child' as const, 'infant' as const),
            count: fc.integer({ min: 1, max: 4 }),
            totalAmount: money,
            baseAmount: money,
            taxAmount: money,
          },
          { requiredKeys: ['type', 'count', 'totalAmount'] },
        ),
        { minLength: 1, maxLength: 3 },
      ),
      validatingCarrier: carrier,
      carriers: fc.array(carrier, { minLength: 1, maxLength: 3 }),
      cabin: fc.constantFrom(...CABINS),
      refundable: fc.boolean(),
      seatsRemaining: fc.integer({ min: 0, max: 9 }),
      legs: fc.array(leg, { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: ['totalAmount', 'currency', 'validatingCarrier', 'carriers', 'cabin', 'legs'] },
  );
});

/** A valid ShoppingRecord (passes validateRecord), optional fields present or absent at random. */
export const shoppingRecordArb: fc.Arbitrary<ShoppingRecord> = fc
  .record(
    {
      id: fc.stringMatching(/^[a-zA-Z0-9-]{1,40}$/),
      vendor: fc.constantFrom('generic', 'amadeus', 'sabre'),
      shoppedAt: instant,
      receivedAt: instant,
      pos: fc.stringMatching(/^[A-Z]{2}$/),
      origin: airport,
      destination: airport,
      departure: day,
      stay: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
      passengers: fc.record({
        adults: fc.integer({ min: 1, max: 9 }),
        children: fc.integer({ min: 0, max: 4 }),
        infants: fc.integer({ min: 0, max: 2 }),
      }),
      offers: fc.array(offer, { minLength: 1, maxLength: 4 }),
    },
    {
      requiredKeys: [
        'id',
        'vendor',
        'shoppedAt',
        'receivedAt',
        'origin',
        'destination',
        'departure',
        'passengers',
        'offers',
      ],
    },
  )
  .filter((r) => r.origin !== r.destination)
  .map(({ departure, stay, ...r }) => {
    const out: ShoppingRecord = {
      ...r,
      departureDate: departure.toISOString().slice(0, 10),
      tripType: stay === undefined ? 'oneway' : 'roundtrip',
    };
    if (stay !== undefined)
      out.returnDate = new Date(departure.getTime() + stay * 86_400_000).toISOString().slice(0, 10);
    if (out.pos === undefined) delete out.pos;
    return out;
  });
