/**
 * The static synthetic world the generator draws from: airports, airlines, great-circle
 * distances, the nonstop route network implied by the carriers' hubs and ranges, the
 * gravity model of market demand, and the itineraries (nonstop and one-stop) that can
 * serve a market. Built once per generator; immutable apart from lazy caches.
 */
import { LRUCache } from 'lru-cache';
import { AIRLINES, type Airline } from './airlines.js';
import { AIRPORTS, type Airport } from './airports.js';
import { greatCircleKm } from './geo.js';

/** One flight of an itinerary template: who flies it, between which airport indexes. */
export interface SegmentTemplate {
  readonly carrier: number;
  readonly from: number;
  readonly to: number;
}

/** A way to fly a market one way: its flights in order. */
export interface Itinerary {
  readonly segments: readonly SegmentTemplate[];
  /** Sum of sector distances over the direct distance (1 for nonstop). */
  readonly detour: number;
}

/** Below this distance two airports are the same metropolitan market: nobody flies between them. */
export const MIN_MARKET_KM = 160;
/** Gravity model distance exponent: demand falls as distance^-k. */
export const GRAVITY_DISTANCE_EXPONENT = 0.9;
/** Domestic markets carry this much more demand than the gravity of their sizes alone. */
export const DOMESTIC_BOOST = 2.5;
/** At most this many one-stop itineraries are kept per market, least detour first. */
export const MAX_CONNECTIONS = 14;
/**
 * Markets whose itineraries are kept, the most recently drawn. The world's 21,404 markets
 * hold 285,000 itineraries, about 70 MB of a feed thread's heap, and a live feed draws
 * from all of them (15,300 markets in 100,000 searches), so an unbounded cache kept
 * growing for as long as the feed ran. The 4,096 busiest markets serve about 75% of the
 * searches, and a miss costs about 20 µs (all markets are found in 420 ms).
 */
export const ITINERARY_CACHE_MARKETS = 4096;

// Territories that are domestic for their parent country's airlines.
const DOMESTIC_OF: Readonly<Record<string, string>> = { PR: 'US' };
const homeOf = (country: string): string => DOMESTIC_OF[country] ?? country;

/**
 * Smallest airport (annual passengers, millions) a network carrier flies to nonstop from
 * a hub at a given distance, when the airport is neither domestic nor a partner's hub.
 */
function minPaxForNonstop(km: number): number {
  if (km < 4000) return 4;
  if (km < 9000) return 8;
  return 25;
}

/** The airports, airlines, routes and demand of the synthetic world. */
export class World {
  readonly airports: readonly Airport[];
  readonly airlines: readonly Airline[];
  private readonly n: number;
  private readonly airportIndex = new Map<string, number>();
  private readonly airlineIndex = new Map<string, number>();
  private readonly distance: Float64Array;
  /** Carriers flying nonstop per ordered pair `i * n + j`. */
  private readonly routes: (number[] | undefined)[];
  private readonly hubAirports: number[];
  private readonly hubsOf: Set<number>[];
  /** Per origin: cumulative demand over destinations (index = destination). */
  readonly demandCumulative: Float64Array[];
  /** Per origin: total outbound demand (gravity model row sum). */
  readonly originDemand: Float64Array;
  private readonly itineraryCache = new LRUCache<number, readonly Itinerary[]>({
    max: ITINERARY_CACHE_MARKETS,
  });

  constructor(airports: readonly Airport[] = AIRPORTS, airlines: readonly Airline[] = AIRLINES) {
    this.airports = airports;
    this.airlines = airlines;
    const n = airports.length;
    this.n = n;
    airports.forEach((a, i) => {
      this.airportIndex.set(a.code, i);
    });
    airlines.forEach((a, i) => {
      this.airlineIndex.set(a.code, i);
    });
    this.distance = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const a = airports[i]!;
        const b = airports[j]!;
        const d = greatCircleKm(a.lat, a.lon, b.lat, b.lon);
        this.distance[i * n + j] = d;
        this.distance[j * n + i] = d;
      }
    }
    this.hubsOf = airlines.map(
      (al) => new Set(al.hubs.map((h) => this.airportIndex.get(h)).filter((x) => x !== undefined)),
    );
    this.routes = new Array(n * n);
    this.buildRoutes();
    const hubs = new Set<number>();
    airlines.forEach((al, c) => {
      if (al.model === 'network') for (const h of this.hubsOf[c]!) hubs.add(h);
    });
    this.hubAirports = [...hubs].sort((a, b) => a - b);
    this.originDemand = new Float64Array(n);
    this.demandCumulative = [];
    this.buildDemand();
  }

  /** Index of an airport code, or undefined when the world has no such airport. */
  airportOf(code: string): number | undefined {
    return this.airportIndex.get(code);
  }

  /** Index of an airline designator, or undefined. */
  airlineOf(code: string): number | undefined {
    return this.airlineIndex.get(code);
  }

  /** Great-circle km between two airport indexes. */
  km(i: number, j: number): number {
    return this.distance[i * this.n + j]!;
  }

  /** Gravity-model demand of the market i -> j (relative units, 0 when not a market). */
  demand(i: number, j: number): number {
    const row = this.demandCumulative[i]!;
    return row[j]! - (j > 0 ? row[j - 1]! : 0);
  }

  /** Carriers (indexes) flying nonstop from i to j. */
  nonstopCarriers(i: number, j: number): readonly number[] {
    return this.routes[i * this.n + j] ?? [];
  }

  /** True when `airport` is a hub of `carrier`. */
  isHub(carrier: number, airport: number): boolean {
    return this.hubsOf[carrier]!.has(airport);
  }

  /** Markets whose itineraries are cached now (at most ITINERARY_CACHE_MARKETS). */
  get cachedItineraryMarkets(): number {
    return this.itineraryCache.size;
  }

  /**
   * The itineraries serving the market o -> d: every nonstop, then one-stop connections
   * over real hubs on one carrier or two carriers of one alliance, least detour first.
   * Empty when nobody in this world can fly the market. Cached per market (the
   * ITINERARY_CACHE_MARKETS drawn last).
   */
  itineraries(o: number, d: number): readonly Itinerary[] {
    const key = o * this.n + d;
    let found = this.itineraryCache.get(key);
    if (!found) {
      found = this.findItineraries(o, d);
      this.itineraryCache.set(key, found);
    }
    return found;
  }

  private findItineraries(o: number, d: number): readonly Itinerary[] {
    const direct = this.km(o, d);
    if (direct < MIN_MARKET_KM) return [];
    const out: Itinerary[] = this.nonstopCarriers(o, d).map((c) => ({
      segments: [{ carrier: c, from: o, to: d }],
      detour: 1,
    }));
    const limit = Math.max(direct * 1.3, direct + 800);
    const connections: { it: Itinerary; online: boolean }[] = [];
    for (const h of this.hubAirports) {
      if (h === o || h === d) continue;
      const via = this.km(o, h) + this.km(h, d);
      if (via > limit) continue;
      const first = this.routes[o * this.n + h];
      const second = this.routes[h * this.n + d];
      if (!first || !second) continue;
      for (const c1 of first) {
        const a1 = this.airlines[c1]!;
        if (a1.model !== 'network') continue;
        for (const c2 of second) {
          const a2 = this.airlines[c2]!;
          if (a2.model !== 'network') continue;
          const online = c1 === c2;
          if (!online && (a1.alliance === 'none' || a1.alliance !== a2.alliance)) continue;
          if (!this.isHub(c1, h) && !this.isHub(c2, h)) continue;
          connections.push({
            it: {
              segments: [
                { carrier: c1, from: o, to: h },
                { carrier: c2, from: h, to: d },
              ],
              detour: via / direct,
            },
            online,
          });
        }
      }
    }
    connections.sort((a, b) => Number(b.online) - Number(a.online) || a.it.detour - b.it.detour);
    for (const c of connections.slice(0, MAX_CONNECTIONS)) out.push(c.it);
    return out;
  }

  private addRoute(i: number, j: number, carrier: number): void {
    for (const key of [i * this.n + j, j * this.n + i]) {
      const list = this.routes[key];
      if (!list) this.routes[key] = [carrier];
      else if (!list.includes(carrier)) list.push(carrier);
    }
  }

  private buildRoutes(): void {
    const partnerHubs = new Map<string, Set<number>>();
    this.airlines.forEach((al, c) => {
      if (al.alliance === 'none') return;
      let set = partnerHubs.get(al.alliance);
      if (!set) {
        set = new Set();
        partnerHubs.set(al.alliance, set);
      }
      for (const h of this.hubsOf[c]!) set.add(h);
    });
    this.airlines.forEach((al, c) => {
      if (al.model === 'lcc') {
        const served = al.serves
          .map((code) => this.airportIndex.get(code))
          .filter((x): x is number => x !== undefined);
        for (let x = 0; x < served.length; x++) {
          for (let y = x + 1; y < served.length; y++) {
            const km = this.km(served[x]!, served[y]!);
            if (km >= MIN_MARKET_KM && km <= al.rangeKm) this.addRoute(served[x]!, served[y]!, c);
          }
        }
        return;
      }
      const partners = partnerHubs.get(al.alliance);
      const home = homeOf(al.country);
      for (const h of this.hubsOf[c]!) {
        for (let a = 0; a < this.n; a++) {
          if (a === h) continue;
          const km = this.km(h, a);
          if (km < MIN_MARKET_KM || km > al.rangeKm) continue;
          const ap = this.airports[a]!;
          const serves =
            homeOf(ap.country) === home ||
            ap.pax >= minPaxForNonstop(km) ||
            this.hubsOf[c]!.has(a) ||
            (partners?.has(a) ?? false);
          if (serves) this.addRoute(h, a, c);
        }
      }
    });
  }

  private buildDemand(): void {
    const n = this.n;
    for (let i = 0; i < n; i++) {
      const row = new Float64Array(n);
      const a = this.airports[i]!;
      let sum = 0;
      for (let j = 0; j < n; j++) {
        if (j !== i) {
          const b = this.airports[j]!;
          const km = this.km(i, j);
          if (km >= MIN_MARKET_KM) {
            // Short trips lose to road and rail: demand ramps up from the minimum distance.
            const ramp = Math.min(1, (km - MIN_MARKET_KM) / 300 + 0.15);
            const domestic = homeOf(a.country) === homeOf(b.country) ? DOMESTIC_BOOST : 1;
            sum += ((a.pax * b.pax) / (km / 1000) ** GRAVITY_DISTANCE_EXPONENT) * ramp * domestic;
          }
        }
        row[j] = sum;
      }
      this.demandCumulative.push(row);
      this.originDemand[i] = sum;
    }
  }
}
