/**
 * Major airlines, written for this project from public facts: IATA designator, name,
 * home country, hubs, alliance (as of 2025) and business model. `priceLevel` is this
 * project's own judgement of where a carrier prices against the market (1 = market
 * level), used only by the synthetic fare model.
 */

export type Alliance = 'star' | 'oneworld' | 'skyteam' | 'none';
/** `network`: hub-and-spoke, sells connections. `lcc`: low-cost, point to point only. */
export type AirlineModel = 'network' | 'lcc';

/** One airline of the synthetic world. */
export interface Airline {
  readonly code: string;
  readonly name: string;
  readonly country: string;
  readonly alliance: Alliance;
  readonly model: AirlineModel;
  /** Hub airports (network carriers) or main bases (low-cost carriers). */
  readonly hubs: readonly string[];
  /** Airports a low-cost carrier flies between (point to point); empty for network carriers. */
  readonly serves: readonly string[];
  /** Longest nonstop sector the fleet flies, km. */
  readonly rangeKm: number;
  /** Price level against the market: 1 = market level, 0.6 = deep discounter. */
  readonly priceLevel: number;
  /** Sells a first cabin on its long-haul fleet. */
  readonly hasFirst: boolean;
}

type NetworkRow = readonly [string, string, string, Alliance, string, number, number, boolean];
type LowCostRow = readonly [string, string, string, number, number, string];

// code, name, country, alliance, hubs, longest sector km, price level, sells first class
const NETWORK: readonly NetworkRow[] = [
  ['UA', 'United Airlines', 'US', 'star', 'ORD DEN IAH EWR SFO IAD LAX', 14500, 1.08, false],
  ['AC', 'Air Canada', 'CA', 'star', 'YYZ YVR YUL YYC', 14000, 1.08, false],
  ['LH', 'Lufthansa', 'DE', 'star', 'FRA MUC', 13000, 1.15, true],
  ['LX', 'Swiss International Air Lines', 'CH', 'star', 'ZRH GVA', 12500, 1.2, true],
  ['OS', 'Austrian Airlines', 'AT', 'star', 'VIE', 9500, 1.05, false],
  ['TP', 'TAP Air Portugal', 'PT', 'star', 'LIS OPO', 9500, 0.95, false],
  ['TK', 'Turkish Airlines', 'TR', 'star', 'IST', 13500, 0.95, false],
  ['SQ', 'Singapore Airlines', 'SG', 'star', 'SIN', 16000, 1.2, true],
  ['NH', 'All Nippon Airways', 'JP', 'star', 'HND NRT', 13500, 1.15, true],
  ['OZ', 'Asiana Airlines', 'KR', 'star', 'ICN', 11500, 1.0, false],
  ['TG', 'Thai Airways', 'TH', 'star', 'BKK', 10500, 0.95, false],
  ['AI', 'Air India', 'IN', 'star', 'DEL BOM', 14000, 0.9, true],
  ['CA', 'Air China', 'CN', 'star', 'PEK CTU', 12500, 0.95, true],
  ['ET', 'Ethiopian Airlines', 'ET', 'star', 'ADD', 12500, 0.9, false],
  ['NZ', 'Air New Zealand', 'NZ', 'star', 'AKL', 14500, 1.1, false],
  ['MS', 'EgyptAir', 'EG', 'star', 'CAI', 9500, 0.85, false],
  ['CM', 'Copa Airlines', 'PA', 'star', 'PTY', 6500, 1.0, false],
  ['AV', 'Avianca', 'CO', 'star', 'BOG', 9500, 0.95, false],
  [
    'AA',
    'American Airlines',
    'US',
    'oneworld',
    'DFW CLT ORD MIA PHL PHX LAX JFK DCA',
    13500,
    1.08,
    true,
  ],
  ['AS', 'Alaska Airlines', 'US', 'oneworld', 'SEA PDX SFO LAX', 5500, 0.95, false],
  ['BA', 'British Airways', 'GB', 'oneworld', 'LHR LGW', 13000, 1.18, true],
  ['IB', 'Iberia', 'ES', 'oneworld', 'MAD', 10500, 1.0, false],
  ['AY', 'Finnair', 'FI', 'oneworld', 'HEL', 10500, 1.02, false],
  ['QR', 'Qatar Airways', 'QA', 'oneworld', 'DOH', 15500, 1.05, true],
  ['CX', 'Cathay Pacific', 'HK', 'oneworld', 'HKG', 14000, 1.12, true],
  ['JL', 'Japan Airlines', 'JP', 'oneworld', 'HND NRT', 13500, 1.15, true],
  ['QF', 'Qantas', 'AU', 'oneworld', 'SYD MEL BNE PER', 15000, 1.15, true],
  ['MH', 'Malaysia Airlines', 'MY', 'oneworld', 'KUL', 11500, 0.9, false],
  [
    'DL',
    'Delta Air Lines',
    'US',
    'skyteam',
    'ATL DTW MSP JFK LAX SEA SLC BOS LGA',
    14000,
    1.1,
    false,
  ],
  ['AF', 'Air France', 'FR', 'skyteam', 'CDG ORY', 12500, 1.12, true],
  ['KL', 'KLM Royal Dutch Airlines', 'NL', 'skyteam', 'AMS', 12500, 1.1, false],
  ['VS', 'Virgin Atlantic', 'GB', 'skyteam', 'LHR MAN', 12000, 1.12, false],
  ['SK', 'SAS Scandinavian Airlines', 'DK', 'skyteam', 'CPH ARN OSL', 9500, 1.05, false],
  ['KE', 'Korean Air', 'KR', 'skyteam', 'ICN GMP', 13000, 1.05, true],
  ['AM', 'Aeromexico', 'MX', 'skyteam', 'MEX', 11500, 1.0, false],
  ['MU', 'China Eastern Airlines', 'CN', 'skyteam', 'PVG SHA KMG XIY', 12500, 0.92, false],
  ['CI', 'China Airlines', 'TW', 'skyteam', 'TPE', 12500, 1.0, false],
  ['VN', 'Vietnam Airlines', 'VN', 'skyteam', 'SGN HAN', 11000, 0.9, false],
  ['GA', 'Garuda Indonesia', 'ID', 'skyteam', 'CGK DPS', 9500, 0.95, false],
  ['SV', 'Saudia', 'SA', 'skyteam', 'JED RUH', 11500, 0.9, true],
  ['KQ', 'Kenya Airways', 'KE', 'skyteam', 'NBO', 12000, 0.95, false],
  ['AR', 'Aerolineas Argentinas', 'AR', 'skyteam', 'EZE', 10500, 0.95, false],
  ['EK', 'Emirates', 'AE', 'none', 'DXB', 14500, 1.12, true],
  ['EY', 'Etihad Airways', 'AE', 'none', 'AUH', 14000, 1.05, true],
  ['LA', 'LATAM Airlines', 'CL', 'none', 'SCL GRU LIM', 10800, 1.0, false],
  ['CZ', 'China Southern Airlines', 'CN', 'none', 'CAN PKX SZX', 13000, 0.9, false],
  ['AZ', 'ITA Airways', 'IT', 'none', 'FCO MXP', 10500, 1.02, false],
  ['WS', 'WestJet', 'CA', 'none', 'YYC YYZ YVR', 7500, 0.92, false],
  ['B6', 'JetBlue Airways', 'US', 'none', 'JFK BOS FLL MCO', 5800, 0.88, false],
];

// code, name, country, longest sector km, price level; then the airports it flies between
const LOW_COST: readonly LowCostRow[] = [
  [
    'WN',
    'Southwest Airlines',
    'US',
    4300,
    0.78,
    'ATL LAX DEN SFO SEA LAS MCO PHX BOS FLL PHL LGA BWI SLC SAN DCA TPA HNL MDW PDX BNA AUS STL MSY CUN SJU',
  ],
  [
    'FR',
    'Ryanair',
    'IE',
    3600,
    0.58,
    'DUB STN MAN EDI BCN MAD PMI AGP LIS OPO FCO MXP VCE BER BRU HAM CPH WAW PRG BUD OTP ATH VIE CMN',
  ],
  [
    'U2',
    'easyJet',
    'GB',
    3800,
    0.7,
    'LGW MAN EDI BER AMS CDG ORY NCE GVA BCN MAD PMI AGP LIS OPO FCO MXP VCE ATH BUD PRG CPH HAM TLV CMN',
  ],
  [
    'W6',
    'Wizz Air',
    'HU',
    4800,
    0.6,
    'BUD OTP WAW VIE FCO MXP VCE BCN MAD ATH TLV AUH LGW DUB BER CPH OSL PMI AGP LIS',
  ],
  [
    'VY',
    'Vueling',
    'ES',
    3200,
    0.72,
    'BCN MAD PMI AGP ORY FCO AMS LGW BRU ZRH VCE LIS OPO CMN NCE BER MUC',
  ],
  [
    'PC',
    'Pegasus Airlines',
    'TR',
    4600,
    0.62,
    'SAW AYT BER DUS HAM AMS STN MAN VIE BCN FCO MXP ATH TLV KWI CAI JED RUH DOH',
  ],
  [
    'FZ',
    'flydubai',
    'AE',
    4700,
    0.75,
    'DXB KWI DOH RUH JED CAI SAW TLV ADD NBO DEL BOM HYD MAA BLR CCU PRG BUD OTP WAW',
  ],
  [
    '6E',
    'IndiGo',
    'IN',
    5000,
    0.62,
    'DEL BOM BLR MAA CCU HYD DXB DOH KWI JED RUH SIN BKK KUL HKT DPS',
  ],
  [
    'AK',
    'AirAsia',
    'MY',
    4500,
    0.55,
    'KUL SIN BKK DMK HKT CGK DPS MNL SGN HAN HKG CAN SZX TPE BLR MAA CCU PER',
  ],
  ['JQ', 'Jetstar', 'AU', 8000, 0.7, 'SYD MEL BNE PER AKL DPS HKT SIN NRT KIX HNL'],
];

/** Every airline of the synthetic world: network carriers first, then low-cost carriers. */
export const AIRLINES: readonly Airline[] = [
  ...NETWORK.map(([code, name, country, alliance, hubs, rangeKm, priceLevel, hasFirst]) =>
    Object.freeze({
      code,
      name,
      country,
      alliance,
      model: 'network' as const,
      hubs: Object.freeze(hubs.split(' ')),
      serves: Object.freeze([] as string[]),
      rangeKm,
      priceLevel,
      hasFirst,
    }),
  ),
  ...LOW_COST.map(([code, name, country, rangeKm, priceLevel, serves]) => {
    const airports = serves.split(' ');
    return Object.freeze({
      code,
      name,
      country,
      alliance: 'none' as const,
      model: 'lcc' as const,
      hubs: Object.freeze([airports[0]!]),
      serves: Object.freeze(airports),
      rangeKm,
      priceLevel,
      hasFirst: false,
    });
  }),
];
