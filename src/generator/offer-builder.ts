/**
 * Builds the offers of one search: picks several distinct (itinerary, flight, brand)
 * combinations for the market, lays out their flights in local time with plausible
 * block times and connections, and prices them with the fare model.
 */
import { roundToMinor } from '../model/money.js';
import type {
  Cabin,
  Leg,
  Offer,
  PassengerPrice,
  Passengers,
  Segment,
} from '../model/shopping-record.js';
import {
  BOOKING_CLASS,
  BRANDS,
  type Brand,
  CHEAP_FARE_RANGE,
  CHEAP_FARE_SHARE,
  childShare,
  FARE_NOISE_SIGMA,
  INFANT_SHARE,
  referenceFareUsd,
  segmentTaxUsd,
  UNITS_PER_USD,
} from './fares.js';
import {
  civilFromDays,
  DAY_MS,
  dayOfWeek,
  formatLocalMinute,
  type TimeZoneOffsets,
} from './local-time.js';
import { hash32, mix32, type Rng } from './prng.js';
import type { Itinerary, SegmentTemplate, World } from './world.js';

/** Cruise-plus-climb average speed used for block times, km/h. */
export const BLOCK_SPEED_KMH = 800;
/** Taxi, climb and approach added to every flight, minutes. */
export const TAXI_MINUTES = 30;
/** Connection time at a hub, minutes (inclusive range). */
export const CONNECTION_MINUTES: readonly [number, number] = [45, 240];
/** Offers per search (inclusive range). */
export const OFFERS_PER_SEARCH: readonly [number, number] = [3, 12];

/** The daily flights of one carrier on one sector. */
interface RouteSchedule {
  /** Local departure times, minutes after midnight. */
  readonly minutes: readonly number[];
  readonly flightNumbers: readonly string[];
  readonly blockMinutes: number;
}

/** What the builder needs to know about the search. */
export interface OfferRequest {
  origin: number;
  destination: number;
  /** Local day numbers (days since 1970-01-01) of the search and the flights. */
  searchDay: number;
  departureDay: number;
  returnDay: number | undefined;
  passengers: Passengers;
  cabin: Cabin;
  currency: string;
}

/** Chance of each brand (in BRANDS order) being drawn for an offer. */
const BRAND_WEIGHTS: readonly number[] = [0.4, 0.4, 0.2];

/** Builds and prices offers; holds per-route schedule caches, one instance per generator. */
export class OfferBuilder {
  private readonly schedules = new Map<number, RouteSchedule>();

  constructor(
    private readonly world: World,
    private readonly zones: TimeZoneOffsets,
  ) {}

  /** Offers for one search, cheapest first; empty only when the market has no itinerary. */
  build(rng: Rng, req: OfferRequest): Offer[] {
    const all = this.world.itineraries(req.origin, req.destination);
    if (all.length === 0) return [];
    let cabin = req.cabin;
    let usable = all;
    if (cabin !== 'economy') {
      usable = all.filter((it) => it.segments.every((s) => this.carrier(s).model === 'network'));
      if (cabin === 'first') {
        const withFirst = usable.filter((it) => it.segments.every((s) => this.carrier(s).hasFirst));
        if (withFirst.length > 0) usable = withFirst;
        else cabin = 'business';
      }
      if (usable.length === 0) {
        usable = all;
        cabin = 'economy';
      }
    }
    const weights: number[] = [];
    let total = 0;
    for (const it of usable) {
      total +=
        it.segments.length === 1
          ? 4
          : it.segments[0]!.carrier === it.segments[1]!.carrier
            ? 1.5
            : 1;
      weights.push(total);
    }
    let capacity = 0;
    for (const it of usable) capacity += this.schedule(it.segments[0]!).minutes.length * 3;
    const wanted = Math.min(rng.int(OFFERS_PER_SEARCH[0], OFFERS_PER_SEARCH[1]), capacity);
    const seen = new Set<number>();
    const offers: Offer[] = [];
    const tryAdd = (t: number, slot: number, brand: number): void => {
      const key = (t * 64 + slot) * 4 + brand;
      if (seen.has(key)) return;
      seen.add(key);
      offers.push(this.offer(rng, req, usable[t]!, slot, BRANDS[brand]!, cabin));
    };
    for (let tries = 0; offers.length < wanted && tries < wanted * 8; tries++) {
      const t = rng.pickCumulative(weights);
      tryAdd(
        t,
        rng.int(0, this.schedule(usable[t]!.segments[0]!).minutes.length - 1),
        pickBrand(rng),
      );
    }
    // Rare unlucky draws on thin markets: fill up to the minimum in a fixed order.
    for (let t = 0; t < usable.length && offers.length < wanted; t++) {
      const slots = this.schedule(usable[t]!.segments[0]!).minutes.length;
      for (let k = 0; k < slots * BRANDS.length && offers.length < wanted; k++) {
        tryAdd(t, k % slots, Math.floor(k / slots));
      }
    }
    offers.sort((a, b) => a.totalAmount - b.totalAmount);
    return offers;
  }

  private carrier(s: SegmentTemplate) {
    return this.world.airlines[s.carrier]!;
  }

  private schedule(s: SegmentTemplate): RouteSchedule {
    const n = this.world.airports.length;
    const key = (s.carrier * n + s.from) * n + s.to;
    let sched = this.schedules.get(key);
    if (!sched) {
      const al = this.carrier(s);
      const from = this.world.airports[s.from]!.code;
      const to = this.world.airports[s.to]!.code;
      const km = this.world.km(s.from, s.to);
      const h = hash32(`${al.code}${from}${to}`);
      const count = km > 6000 ? 1 + (h % 2) : km > 2500 ? 1 + (h % 3) : 2 + (h % 5);
      const minutes: number[] = [];
      const flightNumbers: string[] = [];
      for (let i = 0; i < count; i++) {
        const hi = mix32(h, i);
        // Long-haul flights leave late morning to late evening; others from dawn on.
        const first = km > 6000 ? 10 * 60 : 6 * 60;
        minutes.push(first + (hi % ((22 * 60 + 30 - first) / 5)) * 5);
        flightNumbers.push(String(1 + (mix32(hi, 7) % (al.model === 'lcc' ? 8999 : 2999))));
      }
      minutes.sort((a, b) => a - b);
      const blockMinutes = Math.round((TAXI_MINUTES + (km / BLOCK_SPEED_KMH) * 60) / 5) * 5;
      sched = { minutes, flightNumbers, blockMinutes };
      this.schedules.set(key, sched);
    }
    return sched;
  }

  /** Lays out one leg leaving on local `day`, using flight `slot` of its first sector. */
  private leg(
    segments: readonly SegmentTemplate[],
    day: number,
    slot: number,
    cabin: Cabin,
    bookingClass: string,
    fareBasis: string,
  ): { leg: Leg; firstMinute: number } {
    const airports = this.world.airports;
    const out: Segment[] = [];
    let depUtc = 0;
    let firstUtc = 0;
    let arrUtc = 0;
    let firstMinute = 0;
    for (let k = 0; k < segments.length; k++) {
      const s = segments[k]!;
      const sched = this.schedule(s);
      const i = slot % sched.minutes.length;
      const fromTz = airports[s.from]!.tz;
      if (k === 0) {
        firstMinute = sched.minutes[i]!;
        const local = day * DAY_MS + firstMinute * 60_000;
        depUtc = this.zones.toUtc(fromTz, local);
        firstUtc = depUtc;
      } else {
        const span = (CONNECTION_MINUTES[1] - CONNECTION_MINUTES[0]) / 5 + 1;
        depUtc =
          arrUtc +
          (CONNECTION_MINUTES[0] + (mix32(s.carrier, s.from * 997 + s.to, slot) % span) * 5) *
            60_000;
      }
      arrUtc = depUtc + sched.blockMinutes * 60_000;
      const code = this.carrier(s).code;
      out.push({
        carrier: code,
        flightNumber: sched.flightNumbers[i]!,
        origin: airports[s.from]!.code,
        destination: airports[s.to]!.code,
        departAt: formatLocalMinute(depUtc + this.zones.offsetMs(fromTz, depUtc)),
        arriveAt: formatLocalMinute(arrUtc + this.zones.offsetMs(airports[s.to]!.tz, arrUtc)),
        bookingClass,
        fareBasis,
        cabin,
      });
    }
    return {
      leg: {
        stops: segments.length - 1,
        durationMinutes: Math.round((arrUtc - firstUtc) / 60_000),
        segments: out,
      },
      firstMinute,
    };
  }

  private offer(
    rng: Rng,
    req: OfferRequest,
    it: Itinerary,
    slot: number,
    brand: Brand,
    cabin: Cabin,
  ): Offer {
    const w = this.world;
    const validating = this.carrier(it.segments[0]!);
    const roundTrip = req.returnDay !== undefined;
    const leadDays = req.departureDay - req.searchDay;
    const bookingClass = BOOKING_CLASS[cabin][brand];
    const fareBasis = `${bookingClass}${leadDays >= 21 ? '21' : leadDays >= 14 ? '14' : leadDays >= 7 ? '7' : ''}${brand === 'saver' ? 'SV' : brand === 'standard' ? 'ST' : 'FX'}${roundTrip ? 'RT' : 'OW'}`;
    const outbound = this.leg(it.segments, req.departureDay, slot, cabin, bookingClass, fareBasis);
    const legs: Leg[] = [outbound.leg];
    const flown: SegmentTemplate[] = [...it.segments];
    if (roundTrip) {
      const back = it.segments
        .map((s) => ({ carrier: s.carrier, from: s.to, to: s.from }))
        .reverse();
      legs.push(this.leg(back, req.returnDay!, slot, cabin, bookingClass, fareBasis).leg);
      flown.push(...back);
    }
    const o = w.airports[req.origin]!;
    const d = w.airports[req.destination]!;
    let usd = referenceFareUsd({
      distanceKm: w.km(req.origin, req.destination),
      carrier: validating.code,
      priceLevel: validating.priceLevel,
      lowCost: validating.model === 'lcc',
      origin: o.code,
      destination: d.code,
      cabin,
      brand,
      stops: it.segments.length - 1,
      leadDays,
      departureWeekday: dayOfWeek(req.departureDay),
      departureMonth: civilFromDays(req.departureDay)[1] - 1,
      departureMinute: outbound.firstMinute,
      roundTrip,
    });
    usd *= Math.exp(FARE_NOISE_SIGMA * rng.normal());
    if (rng.chance(CHEAP_FARE_SHARE)) usd *= rng.range(CHEAP_FARE_RANGE[0], CHEAP_FARE_RANGE[1]);
    let taxUsd = 0;
    for (const s of flown) {
      const international = w.airports[s.from]!.country !== w.airports[s.to]!.country;
      taxUsd += segmentTaxUsd(w.km(s.from, s.to), international);
    }
    const cur = req.currency;
    const rate = UNITS_PER_USD[cur] ?? 1;
    const adultBase = roundToMinor(usd * rate, cur);
    const adultTax = roundToMinor(taxUsd * rate, cur);
    const { adults, children, infants } = req.passengers;
    const prices: PassengerPrice[] = [];
    const add = (type: PassengerPrice['type'], count: number, base: number, tax: number) => {
      if (count === 0) return;
      const b = roundToMinor(base * count, cur);
      const t = roundToMinor(tax * count, cur);
      prices.push({
        type,
        count,
        totalAmount: roundToMinor(b + t, cur),
        baseAmount: b,
        taxAmount: t,
      });
    };
    add('adult', adults, adultBase, adultTax);
    add(
      'child',
      children,
      roundToMinor(adultBase * childShare(validating.model === 'lcc'), cur),
      adultTax,
    );
    add(
      'infant',
      infants,
      roundToMinor(adultBase * INFANT_SHARE, cur),
      roundToMinor(adultTax * INFANT_SHARE, cur),
    );
    let base = 0;
    let tax = 0;
    for (const p of prices) {
      base += p.baseAmount!;
      tax += p.taxAmount!;
    }
    base = roundToMinor(base, cur);
    tax = roundToMinor(tax, cur);
    const carriers: string[] = [];
    for (const s of flown) {
      const code = this.carrier(s).code;
      if (!carriers.includes(code)) carriers.push(code);
    }
    const offer: Offer = {
      totalAmount: roundToMinor(base + tax, cur),
      baseAmount: base,
      taxAmount: tax,
      currency: cur,
      passengerPrices: prices,
      validatingCarrier: validating.code,
      carriers,
      cabin,
      refundable: brand === 'flex',
      seatsRemaining: rng.int(1, 9),
      legs,
    };
    if (adults > 0) offer.perAdultAmount = roundToMinor(adultBase + adultTax, cur);
    return offer;
  }
}

/** Index into BRANDS. */
function pickBrand(rng: Rng): number {
  let x = rng.next();
  for (let i = 0; i < BRAND_WEIGHTS.length; i++) {
    x -= BRAND_WEIGHTS[i]!;
    if (x < 0) return i;
  }
  return 1;
}
