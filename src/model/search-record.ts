/**
 * The one builder of valid ShoppingRecords from the few parts a caller cares about:
 * tests (model/testing/records.ts builds its fixed families with it), the example record
 * of ingest's OpenAPI document, and the fault suite's vendor traffic.
 */
import type { Cabin, Leg, Offer, Passengers, Segment, ShoppingRecord } from './shopping-record.js';

/** The parts of an offer a caller cares about. */
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

/** The parts of a search a caller cares about; everything else gets a fixed value. */
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
