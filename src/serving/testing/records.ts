/** Small builders of valid records for serving, realtime and API tests. */
import type { Cabin, ShoppingRecord } from '../../model/shopping-record.js';

/** The parts of an offer a serving test cares about. */
export interface OfferSpec {
  carrier: string;
  amount: number;
  currency?: string;
  stops?: number;
  cabin?: Cabin;
}

/** The parts of a search a serving test cares about; everything else gets a fixed value. */
export interface SearchSpec {
  id: string;
  origin?: string;
  destination?: string;
  departureDate?: string;
  returnDate?: string;
  pos?: string;
  vendor?: string;
  receivedAt?: string;
  multicity?: boolean;
  offers: OfferSpec[];
}

/** A valid ShoppingRecord (defaults: JFK-LHR, one-way on 2030-03-01, USD, economy). */
export function searchRecord(s: SearchSpec): ShoppingRecord {
  const origin = s.origin ?? 'JFK';
  const destination = s.destination ?? 'LHR';
  const departureDate = s.departureDate ?? '2030-03-01';
  const receivedAt = s.receivedAt ?? '2030-01-01T10:00:00.000Z';
  const leg = (from: string, to: string, date: string, stops: number, carrier: string) => ({
    stops,
    segments: [
      {
        carrier,
        flightNumber: '100',
        origin: from,
        destination: to,
        departAt: `${date}T10:00`,
        arriveAt: `${date}T22:00`,
      },
    ],
  });
  return {
    id: s.id,
    vendor: s.vendor ?? 'generic',
    shoppedAt: receivedAt,
    receivedAt,
    ...(s.pos ? { pos: s.pos } : {}),
    origin,
    destination,
    departureDate,
    ...(s.returnDate ? { returnDate: s.returnDate } : {}),
    tripType: s.multicity ? 'multicity' : s.returnDate ? 'roundtrip' : 'oneway',
    passengers: { adults: 1, children: 0, infants: 0 },
    offers: s.offers.map((o) => ({
      totalAmount: o.amount,
      currency: o.currency ?? 'USD',
      validatingCarrier: o.carrier,
      carriers: [o.carrier],
      cabin: o.cabin ?? 'economy',
      legs: [
        leg(origin, destination, departureDate, o.stops ?? 0, o.carrier),
        ...(s.returnDate ? [leg(destination, origin, s.returnDate, o.stops ?? 0, o.carrier)] : []),
      ],
    })),
  };
}
