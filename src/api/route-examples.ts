/**
 * Answers of the `/v1` reads as the OpenAPI document shows them (one per RouteSpec,
 * `example`). A test holds each to the shape of the route's real answer.
 */

const fare = {
  stops: 0,
  amount: 100,
  origin: 'JFK',
  carrier: 'FI',
  departAt: '2030-05-01T21:00',
  arriveAt: '2030-05-02T06:00',
  destination: 'KEF',
  departureDate: '2030-05-01',
};

const itinerary = {
  destination: 'KEF',
  totalAmount: 100,
  currency: 'USD',
  transfers: 0,
  selfTransfer: false,
  departAt: '2030-05-01T21:00',
  arriveAt: '2030-05-02T06:00',
  fares: [fare],
  throughFare: 100,
  beatsThroughFare: false,
};

const demand = {
  model: 'ETS(A,N,A)',
  generatedAt: '2030-04-01T03:00:00.000Z',
  history: [{ date: '2030-03-31', count: 412 }],
  forecast: [
    {
      date: '2030-04-01',
      mean: 420.5,
      lower80: 380.1,
      upper80: 460.9,
      lower95: 358.7,
      upper95: 482.3,
    },
  ],
};

/** The example answer of each `/v1` read, by operationId. */
export const ROUTE_EXAMPLES = {
  listMarkets: {
    markets: [
      {
        origin: 'JFK',
        destination: 'LHR',
        searches: 1520,
        offers: 310,
        lastSeen: '2030-04-01T10:00:00.000Z',
        cheapest: [{ amount: 280, currency: 'USD' }],
      },
    ],
  },
  getMarket: {
    origin: 'JFK',
    destination: 'LHR',
    searches: 1520,
    firstSeen: '2030-03-04T10:00:00.000Z',
    lastSeen: '2030-04-01T10:00:00.000Z',
    cheapest: [
      {
        tripType: 'oneway',
        currency: 'USD',
        amount: 280,
        departureDate: '2030-06-02',
        returnDate: null,
        carrier: 'AA',
        stops: 0,
      },
    ],
    days: [
      {
        departureDate: '2030-06-02',
        tripType: 'oneway',
        cabin: 'economy',
        currency: 'USD',
        min: 280,
        avg: 342.5,
        max: 405,
        fares: 2,
      },
    ],
  },
  cheapestFares: {
    origin: 'JFK',
    destination: 'LHR',
    departureDate: '2030-06-01',
    returnDate: null,
    pos: null,
    cabin: null,
    fares: [
      {
        carrier: 'BA',
        stops: 0,
        cabin: 'economy',
        amount: 300,
        currency: 'USD',
        seenAt: '2030-04-01T10:00:00.000Z',
        vendor: 'generic',
        pos: null,
      },
    ],
  },
  fareCalendar: {
    origin: 'JFK',
    destination: 'LHR',
    from: '2030-06-01',
    to: '2030-06-30',
    returnDate: null,
    stay: null,
    days: [
      {
        departureDate: '2030-06-01',
        returnDate: null,
        amount: 300,
        currency: 'USD',
        carrier: 'BA',
        stops: 0,
        cabin: 'economy',
        seenAt: '2030-04-01T10:00:00.000Z',
      },
    ],
  },
  graphRoutes: {
    origin: 'JFK',
    destination: 'KEF',
    date: '2030-05-01',
    maxStops: 2,
    itineraries: [itinerary],
  },
  graphExplore: {
    origin: 'JFK',
    budget: 3000,
    currency: 'USD',
    date: '2030-05-01',
    destinations: [itinerary],
  },
  listDeals: {
    deals: [
      {
        searchId: 'rec-1',
        offerIndex: 0,
        origin: 'JFK',
        destination: 'LAX',
        departureDate: '2030-05-20',
        returnDate: null,
        tripType: 'oneway',
        cabin: 'economy',
        carrier: 'AA',
        stops: 0,
        currency: 'USD',
        price: 129,
        typicalPrice: 189,
        savingsPct: 31.7,
        label: 'great',
        segment: 'JFK-LAX|economy|oneway|lead 15-30d|stay -',
        fares: 240,
        explanation: '31.7% below the typical price of 240 comparable fares',
        shoppedAt: '2030-04-01T10:00:00.000Z',
        vendor: 'generic',
      },
    ],
  },
  listAirports: {
    airports: [
      { code: 'JFK', city: 'New York', country: 'US', lat: 40.6398, lon: -73.7789 },
      { code: 'LAX', city: 'Los Angeles', country: 'US', lat: 33.9425, lon: -118.4081 },
    ],
  },
  getMarketDemand: { scope: 'market', key: 'JFK-LHR', ...demand },
  getAirportDemand: { scope: 'airport', key: 'JFK', ...demand },
} as const;
