/** fast-check arbitraries of valid common records, for property-based tests anywhere. */
import fc from 'fast-check';
import { CABINS, type ShoppingRecord } from '../shopping-record.js';

// Airport and city codes of the IATA reference list (validation rejects others).
const airport = fc.constantFrom(
  ...'JFK LAX LHR CDG NRT SIN DXB FRA AMS ORD NYC LON PAR TYO SFO GRU SYD BOM YYZ MEX'.split(' '),
);
const country = fc.constantFrom(...'US GB DE FR JP IN BR AE CA AU XK'.split(' '));
const carrier = fc.stringMatching(/^[A-Z][A-Z0-9]$/);
const day = fc
  .integer({ min: 0, max: 3000 })
  .map((n) => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000));
const isoDate = day.map((d) => d.toISOString().slice(0, 10));
const clock = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const localDateTime = fc.tuple(isoDate, clock).map(([d, t]) => `${d}${t}`);
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
  const positive = fc.integer({ min: 1, max: 5_000_000 }).map((n) => n / scaleOf[cur]!);
  return fc.record(
    {
      totalAmount: positive,
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
      legs: fc.array(leg, { minLength: 3, maxLength: 3 }),
    },
    { requiredKeys: ['totalAmount', 'currency', 'validatingCarrier', 'carriers', 'cabin', 'legs'] },
  );
});

/** `YYYY-MM-DD` of a time in ms. */
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Makes an offer (drawn with three legs) fit the trip: its legs, and when they leave. */
function fitOffer(
  o: ShoppingRecord['offers'][number],
  legs: number,
  dates: readonly string[],
): ShoppingRecord['offers'][number] {
  return {
    ...o,
    legs: o.legs.slice(0, legs).map((l, i) => {
      const [first, ...rest] = l.segments;
      const date = dates[Math.min(i, dates.length - 1)]!;
      return {
        ...l,
        segments: [{ ...first!, departAt: date + first!.departAt.slice(10) }, ...rest],
      };
    }),
  };
}

/**
 * A valid ShoppingRecord (passes validateRecord under the default policy), optional
 * fields present or absent at random: known airports and countries, shoppedAt at most
 * a few days before receivedAt, departure on or after the search, offers whose legs fit
 * the trip type and leave on the record's dates.
 */
export const shoppingRecordArb: fc.Arbitrary<ShoppingRecord> = fc
  .record(
    {
      id: fc.stringMatching(/^[a-zA-Z0-9-]{1,40}$/),
      vendor: fc.constantFrom('generic', 'amadeus', 'sabre'),
      receivedMs: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
      shopLagMs: fc.integer({ min: -300_000, max: 3 * 86_400_000 }),
      leadDays: fc.integer({ min: -1, max: 400 }),
      pos: country,
      origin: airport,
      destination: airport,
      trip: fc.constantFrom('oneway', 'roundtrip', 'multicity'),
      stay: fc.integer({ min: 0, max: 60 }),
      multiLegs: fc.integer({ min: 2, max: 3 }),
      passengers: fc.integer({ min: 1, max: 9 }).chain((adults) =>
        fc.record({
          adults: fc.constant(adults),
          children: fc.integer({ min: 0, max: 4 }),
          infants: fc.integer({ min: 0, max: Math.min(adults, 2) }),
        }),
      ),
      offers: fc.array(offer, { minLength: 1, maxLength: 4 }),
    },
    {
      requiredKeys: [
        'id',
        'vendor',
        'receivedMs',
        'shopLagMs',
        'leadDays',
        'origin',
        'destination',
        'trip',
        'stay',
        'multiLegs',
        'passengers',
        'offers',
      ],
    },
  )
  .filter((r) => r.origin !== r.destination)
  .map(({ receivedMs, shopLagMs, leadDays, trip, stay, multiLegs, offers, ...r }) => {
    const shoppedMs = receivedMs - shopLagMs;
    const departureDate = dayOf(shoppedMs + leadDays * 86_400_000);
    const departMs = Date.parse(`${departureDate}T00:00:00Z`);
    const returnDate = dayOf(departMs + stay * 86_400_000);
    const legs = trip === 'oneway' ? 1 : trip === 'roundtrip' ? 2 : multiLegs;
    const dates = trip === 'roundtrip' ? [departureDate, returnDate] : [departureDate];
    const out: ShoppingRecord = {
      ...r,
      shoppedAt: new Date(shoppedMs).toISOString(),
      receivedAt: new Date(receivedMs).toISOString(),
      departureDate,
      tripType: trip,
      offers: offers.map((o) => fitOffer(o, legs, dates)),
    };
    if (trip === 'roundtrip') out.returnDate = returnDate;
    if (out.pos === undefined) delete out.pos;
    return out;
  });
