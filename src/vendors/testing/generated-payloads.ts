/**
 * Generated searches written out in each vendor's format, for the round-trip property
 * tests: a search of one, two or three routes whose offers fly on several dates, as a
 * flexible-date or calendar search answers. The shapes follow the project's fixtures
 * (the fields each vendor documents), not any real payload.
 */
import fc from 'fast-check';
import type { TripType } from '../../model/shopping-record.js';

/** One flight of a generated offer; times are local wall times `YYYY-MM-DDTHH:mm:ss`. */
export interface GenFlight {
  carrier: string;
  flightNumber: string;
  origin: string;
  destination: string;
  departAt: string;
  arriveAt: string;
}

/** One offer: a total in minor units (cents) and its legs of flights. */
export interface GenOffer {
  cents: number;
  legs: GenFlight[][];
}

/** A generated search: its routes (the request) and the offers it returned. */
export interface GenSearch {
  id: string;
  tripType: TripType;
  routes: { origin: string; destination: string }[];
  offers: GenOffer[];
}

/**
 * When the generated searches ran: Duffel's `created_at` and Sabre's `TimeStamp`, a month
 * before the first generated flight (2026-01-01). Tests receive the payloads shortly after.
 */
export const GENERATED_SHOPPED_AT = '2025-12-01T10:00:00.000Z';

const AIRPORTS = ['MAD', 'JFK', 'LHR', 'CDG', 'NRT', 'SYD', 'GRU', 'DXB'];
const HUBS = ['FRA', 'AMS', 'IST'];

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A search of `tripType` with 1-12 offers spread over up to five departure dates. */
export function genSearch(tripType: TripType): fc.Arbitrary<GenSearch> {
  const places = fc.shuffledSubarray(AIRPORTS, { minLength: 3, maxLength: 3 });
  const flight = fc.record({
    hub: fc.option(fc.constantFrom(...HUBS), { nil: undefined }),
    dayShift: fc.integer({ min: 0, max: 9 }),
    hour: fc.integer({ min: 0, max: 15 }),
    carrier: fc.constantFrom('AA', 'IB', 'BA', 'AF', 'LH', 'U2'),
    number: fc.integer({ min: 1, max: 9999 }),
  });
  const legs = tripType === 'oneway' ? 1 : tripType === 'roundtrip' ? 2 : 3;
  return fc
    .record({
      places,
      firstDate: fc.integer({ min: 0, max: 300 }).map((n) => addDays('2026-01-01', n)),
      dateSpread: fc.integer({ min: 1, max: 5 }),
      id: fc.stringMatching(/^[A-Za-z0-9]{6,12}$/),
      offers: fc.array(
        fc.record({
          cents: fc.integer({ min: 1000, max: 900_000 }),
          dateIndex: fc.nat(),
          legs: fc.array(flight, { minLength: legs, maxLength: legs }),
        }),
        { minLength: 1, maxLength: 12 },
      ),
    })
    .map(({ places, firstDate, dateSpread, id, offers }) => {
      const [a, b, c] = places as [string, string, string];
      const routes =
        tripType === 'oneway'
          ? [{ origin: a, destination: b }]
          : tripType === 'roundtrip'
            ? [
                { origin: a, destination: b },
                { origin: b, destination: a },
              ]
            : [
                { origin: a, destination: b },
                { origin: b, destination: c },
                { origin: c, destination: a },
              ];
      return {
        id,
        tripType,
        routes,
        offers: offers.map((o) => {
          let date = addDays(firstDate, o.dateIndex % dateSpread);
          return {
            cents: o.cents,
            legs: o.legs.map((f, k) => {
              if (k > 0) date = addDays(date, f.dayShift + 1);
              const r = routes[k]!;
              const stops = f.hub ? [r.origin, f.hub, r.destination] : [r.origin, r.destination];
              return stops.slice(1).map((to, n) => {
                const h = f.hour + n * 6;
                return {
                  carrier: f.carrier,
                  flightNumber: String(((f.number + n) % 9999) + 1),
                  origin: stops[n]!,
                  destination: to,
                  departAt: `${date}T${pad(h)}:05:00`,
                  arriveAt: `${date}T${pad(h + 4)}:35:00`,
                };
              });
            }),
          };
        }),
      };
    });
}

const money = (cents: number) => (cents / 100).toFixed(2);

/** Kiwi Tequila search (one-way or round trip): `data[]` with a flat `route[]`. */
export function toKiwi(s: GenSearch): string {
  return JSON.stringify({
    search_id: s.id,
    currency: 'EUR',
    search_params: { seats: { adults: 1, children: 0, infants: 0 } },
    data: s.offers.map((o) => ({
      price: o.cents / 100,
      route: o.legs.flatMap((leg, k) =>
        leg.map((f) => ({
          airline: f.carrier,
          flight_no: Number(f.flightNumber),
          flyFrom: f.origin,
          flyTo: f.destination,
          local_departure: `${f.departAt}.000Z`,
          local_arrival: `${f.arriveAt}.000Z`,
          return: k,
        })),
      ),
    })),
  });
}

/** Kiwi multi-city (`/v2/flights_multi`): a top-level array, one `route[]` per leg. */
export function toKiwiMulti(s: GenSearch): string {
  return JSON.stringify(
    s.offers.map((o) => ({
      price: o.cents / 100,
      currency: 'EUR',
      route: o.legs.map((leg) => ({
        flyFrom: leg[0]!.origin,
        flyTo: leg[leg.length - 1]!.destination,
        route: leg.map((f) => ({
          airline: f.carrier,
          flight_no: Number(f.flightNumber),
          flyFrom: f.origin,
          flyTo: f.destination,
          local_departure: `${f.departAt}.000Z`,
          local_arrival: `${f.arriveAt}.000Z`,
        })),
      })),
    })),
  );
}

/** Duffel offer request (`POST /air/offer_requests`) with its slices and offers. */
export function toDuffel(s: GenSearch): string {
  const first = s.offers[0]!.legs.map((l) => l[0]!.departAt.slice(0, 10));
  return JSON.stringify({
    data: {
      id: `orq_${s.id}`,
      created_at: GENERATED_SHOPPED_AT,
      passengers: [{ type: 'adult' }],
      slices: s.routes.map((r, k) => ({
        origin: { iata_code: r.origin },
        destination: { iata_code: r.destination },
        departure_date: first[k],
      })),
      offers: s.offers.map((o) => ({
        total_amount: money(o.cents),
        total_currency: 'EUR',
        slices: o.legs.map((leg) => ({
          segments: leg.map((f) => ({
            marketing_carrier: { iata_code: f.carrier },
            marketing_carrier_flight_number: f.flightNumber,
            origin: { iata_code: f.origin },
            destination: { iata_code: f.destination },
            departing_at: f.departAt,
            arriving_at: f.arriveAt,
          })),
        })),
      })),
    },
  });
}

/**
 * Duffel offer list (`GET /air/offers?offer_request_id=...`): the offers alone, each with
 * its `created_at`, no slices of the request; the offers' legs say the rest.
 */
export function toDuffelOfferList(s: GenSearch): string {
  const request = JSON.parse(toDuffel(s)).data as { offers: Record<string, unknown>[] };
  return JSON.stringify({
    data: request.offers.map((o, i) => ({
      id: `off_${s.id}_${i}`,
      created_at: GENERATED_SHOPPED_AT,
      passengers: [{ type: 'adult' }],
      ...o,
    })),
    meta: { limit: 50, after: null, before: null },
  });
}

function amadeusOffer(o: GenOffer, id: number) {
  return {
    type: 'flight-offer',
    id: String(id),
    itineraries: o.legs.map((leg) => ({
      segments: leg.map((f) => ({
        departure: { iataCode: f.origin, at: f.departAt },
        arrival: { iataCode: f.destination, at: f.arriveAt },
        carrierCode: f.carrier,
        number: f.flightNumber,
      })),
    })),
    price: { currency: 'EUR', total: money(o.cents), grandTotal: money(o.cents) },
    validatingAirlineCodes: [o.legs[0]![0]!.carrier],
  };
}

/** Amadeus Flight Offers Search (one-way or round trip, as its GET form allows). */
export function toAmadeus(s: GenSearch): string {
  const [out] = s.routes;
  const q = new URLSearchParams({
    originLocationCode: out!.origin,
    destinationLocationCode: out!.destination,
    departureDate: s.offers[0]!.legs[0]![0]!.departAt.slice(0, 10),
    adults: '1',
  });
  if (s.tripType === 'roundtrip')
    q.set('returnDate', s.offers[0]!.legs[1]![0]!.departAt.slice(0, 10));
  return JSON.stringify({
    meta: {
      count: s.offers.length,
      links: { self: `https://test.api.amadeus.com/v2/shopping/flight-offers?${q}` },
    },
    data: s.offers.map(amadeusOffer),
  });
}

/**
 * Amadeus Flight Offers Search by POST with a `dateWindow` on its origin-destinations
 * (`I3D`: three days either side, Amadeus's flexible-date search): the answer has no
 * `self` link, so the offers' legs are all it says about the search.
 */
export function toAmadeusDateWindow(s: GenSearch): string {
  return JSON.stringify({ meta: { count: s.offers.length }, data: s.offers.map(amadeusOffer) });
}

/** Amadeus Flight Offers Price (`POST /v1/shopping/flight-offers/pricing`). */
export function toAmadeusPrice(s: GenSearch): string {
  return JSON.stringify({
    data: { type: 'flight-offers-pricing', flightOffers: s.offers.map(amadeusOffer) },
  });
}

function otaItinerary(o: GenOffer) {
  return {
    AirItinerary: {
      OriginDestinationOptions: {
        OriginDestinationOption: o.legs.map((leg) => ({
          FlightSegment: leg.map((f) => ({
            DepartureDateTime: f.departAt,
            ArrivalDateTime: f.arriveAt,
            FlightNumber: f.flightNumber,
            DepartureAirport: { LocationCode: f.origin },
            ArrivalAirport: { LocationCode: f.destination },
            MarketingAirline: { Code: f.carrier },
          })),
        })),
      },
    },
    AirItineraryPricingInfo: [
      { ItinTotalFare: { TotalFare: { Amount: o.cents / 100, CurrencyCode: 'EUR' } } },
    ],
  };
}

/** Sabre BFM v3/v4 `OTA_AirLowFareSearchRS` with a response time stamp. */
export function toSabreOta(s: GenSearch): string {
  return JSON.stringify({
    OTA_AirLowFareSearchRS: {
      Version: '4.3.0',
      TimeStamp: GENERATED_SHOPPED_AT,
      PricedItineraries: { PricedItinerary: s.offers.map(otaItinerary) },
    },
  });
}

/**
 * Sabre BFM v5/v6 `groupedItineraryResponse`: one itinerary group per date combination
 * (as an alternate-dates search answers), flights described once and referenced.
 */
export function toSabreGrouped(s: GenSearch): string {
  const scheduleDescs: unknown[] = [];
  const legDescs: unknown[] = [];
  const groups = new Map<string, { dates: string[]; itineraries: unknown[] }>();
  s.offers.forEach((o, i) => {
    const dates = o.legs.map((l) => l[0]!.departAt.slice(0, 10));
    const key = dates.join('|');
    const g = groups.get(key) ?? { dates, itineraries: [] };
    groups.set(key, g);
    const legRefs = o.legs.map((leg) => {
      const schedules = leg.map((f) => {
        scheduleDescs.push({
          id: scheduleDescs.length + 1,
          carrier: { marketing: f.carrier, marketingFlightNumber: Number(f.flightNumber) },
          departure: { airport: f.origin, time: `${f.departAt.slice(11)}+01:00` },
          arrival: { airport: f.destination, time: `${f.arriveAt.slice(11)}+01:00` },
        });
        return { ref: scheduleDescs.length };
      });
      legDescs.push({ id: legDescs.length + 1, schedules });
      return { ref: legDescs.length };
    });
    g.itineraries.push({
      id: i + 1,
      legs: legRefs,
      pricingInformation: [{ fare: { totalFare: { totalPrice: o.cents / 100, currency: 'EUR' } } }],
    });
  });
  return JSON.stringify({
    groupedItineraryResponse: {
      version: '6.1.0',
      messages: [{ severity: 'Info', type: 'WORKERTHREAD', code: 'TRANSACTIONID', text: s.id }],
      scheduleDescs,
      legDescs,
      itineraryGroups: [...groups.values()].map((g) => ({
        groupDescription: {
          legDescriptions: s.routes.map((r, k) => ({
            departureDate: g.dates[k],
            departureLocation: r.origin,
            arrivalLocation: r.destination,
          })),
        },
        itineraries: g.itineraries,
      })),
    },
  });
}

/**
 * Travelport uAPI `LowFareSearchRsp` of `AirPricingSolution`s, the request's routes as
 * one `Route` each in the `RouteList` (the two-route shape of a round trip).
 */
export function toTravelport(s: GenSearch): string {
  const segs: string[] = [];
  const sols = s.offers.map((o) => {
    const journeys = o.legs.map((leg, k) => {
      const refs = leg.map((f) => {
        const key = `S${segs.length}`;
        segs.push(
          `<air:AirSegment Key="${key}" Group="${k}" Carrier="${f.carrier}" FlightNumber="${f.flightNumber}" Origin="${f.origin}" Destination="${f.destination}" DepartureTime="${f.departAt}.000+01:00" ArrivalTime="${f.arriveAt}.000+01:00"/>`,
        );
        return `<air:AirSegmentRef Key="${key}"/>`;
      });
      return `<air:Journey>${refs.join('')}</air:Journey>`;
    });
    return `<air:AirPricingSolution Key="P${segs.length}" TotalPrice="EUR${money(o.cents)}">${journeys.join('')}</air:AirPricingSolution>`;
  });
  const routes = s.routes.map(
    (r, k) =>
      `<air:Route Key="R${k}"><air:Leg Key="L${k}" Group="${k}" Origin="${r.origin}" Destination="${r.destination}"/></air:Route>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<SOAP:Envelope xmlns:SOAP="http://schemas.xmlsoap.org/soap/envelope/"><SOAP:Body>
<air:LowFareSearchRsp TransactionId="${s.id}" CurrencyType="EUR" xmlns:air="http://www.travelport.com/schema/air_v52_0">
<air:AirSegmentList>${segs.join('')}</air:AirSegmentList>
<air:RouteList>${routes.join('')}</air:RouteList>
${sols.join('\n')}
</air:LowFareSearchRsp></SOAP:Body></SOAP:Envelope>`;
}

/**
 * Travelport uAPI `LowFareSearchRsp` of `AirPricePoint`s (`SolutionResult="false"`, the
 * default) in the default namespace, without a SOAP envelope: one price point per offer
 * with one `Option` per leg, the request's routes as `Leg`s of one `Route`.
 */
export function toTravelportPricePoints(s: GenSearch): string {
  const segs: string[] = [];
  const points = s.offers.map((o, i) => {
    const options = o.legs.map((leg, k) => {
      const infos = leg.map((f) => {
        const key = `S${segs.length}`;
        segs.push(
          `<AirSegment Key="${key}" Group="${k}" Carrier="${f.carrier}" FlightNumber="${f.flightNumber}" Origin="${f.origin}" Destination="${f.destination}" DepartureTime="${f.departAt}.000-05:00" ArrivalTime="${f.arriveAt}.000-05:00"/>`,
        );
        return `<BookingInfo BookingCode="Y" CabinClass="Economy" SegmentRef="${key}"/>`;
      });
      return `<FlightOption LegRef="L${k}"><Option Key="O${i}-${k}">${infos.join('')}</Option></FlightOption>`;
    });
    return `<AirPricePoint Key="PP${i}" TotalPrice="USD${money(o.cents)}"><AirPricingInfo Key="API${i}" TotalPrice="USD${money(o.cents)}" PlatingCarrier="${o.legs[0]![0]!.carrier}"><PassengerType Code="ADT"/><FlightOptionsList>${options.join('')}</FlightOptionsList></AirPricingInfo></AirPricePoint>`;
  });
  const legs = s.routes.map(
    (r, k) => `<Leg Key="L${k}" Group="${k}" Origin="${r.origin}" Destination="${r.destination}"/>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<LowFareSearchRsp xmlns="http://www.travelport.com/schema/air_v52_0" TransactionId="${s.id}" ResponseTime="812" CurrencyType="USD">
<AirSegmentList>${segs.join('')}</AirSegmentList>
<RouteList><Route Key="R0">${legs.join('')}</Route></RouteList>
<AirPricePointList>${points.join('\n')}</AirPricePointList>
</LowFareSearchRsp>`;
}

/**
 * Sabre BFM `OTA_AirLowFareSearchRS` of a multi-ticket search: no round-trip or
 * multi-city itineraries, only `OneWayItineraries.SimpleOneWayItineraries[]`, one per
 * requested leg (`RPH`), each a list of one-way itineraries. Leg `k` of every generated
 * offer becomes a one-way itinerary of group `k`, priced `cents + k`; so the payload
 * holds `offers x routes` one-way offers, over several routes and dates.
 */
export function toSabreOneWay(s: GenSearch): string {
  return JSON.stringify({
    OTA_AirLowFareSearchRS: {
      Version: '4.3.0',
      TimeStamp: GENERATED_SHOPPED_AT,
      OneWayItineraries: {
        SimpleOneWayItineraries: s.routes.map((_, k) => ({
          RPH: k + 1,
          PricedItinerary: s.offers.map((o) =>
            otaItinerary({ cents: o.cents + k, legs: [o.legs[k]!] }),
          ),
        })),
      },
    },
  });
}

/** The one-way offers `toSabreOneWay` writes for `s`: leg `k` of each offer at `cents + k`. */
export function oneWayPieces(s: GenSearch): GenOffer[] {
  return s.routes.flatMap((_, k) =>
    s.offers.map((o) => ({ cents: o.cents + k, legs: [o.legs[k]!] })),
  );
}

function genericSegment(f: GenFlight) {
  return {
    carrier: f.carrier,
    flightNumber: f.flightNumber,
    origin: f.origin,
    destination: f.destination,
    departAt: f.departAt,
    arriveAt: f.arriveAt,
  };
}

/**
 * The generic format (the record itself) as a sender that does the grouping writes it:
 * an array of one record per date pair of the search's offers, ids `<id>-<n>`.
 */
export function toGeneric(s: GenSearch): string {
  const groups = new Map<string, GenOffer[]>();
  for (const o of s.offers) {
    const dep = o.legs[0]![0]!.departAt.slice(0, 10);
    const ret = s.tripType === 'roundtrip' ? o.legs[1]![0]!.departAt.slice(0, 10) : '';
    const key = `${dep}|${ret}`;
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  return JSON.stringify(
    [...groups].map(([key, offers], n) => {
      const [dep, ret] = key.split('|') as [string, string];
      return {
        id: `${s.id}-${n}`,
        shoppedAt: GENERATED_SHOPPED_AT,
        origin: s.routes[0]!.origin,
        destination: s.routes[0]!.destination,
        departureDate: dep,
        ...(ret ? { returnDate: ret } : {}),
        tripType: s.tripType,
        passengers: { adults: 1, children: 0, infants: 0 },
        offers: offers.map((o) => ({
          totalAmount: o.cents / 100,
          currency: 'EUR',
          validatingCarrier: o.legs[0]![0]!.carrier,
          carriers: [...new Set(o.legs.flat().map((f) => f.carrier))],
          cabin: 'economy',
          legs: o.legs.map((leg) => ({
            stops: leg.length - 1,
            segments: leg.map(genericSegment),
          })),
        })),
      };
    }),
  );
}
