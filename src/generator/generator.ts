/**
 * The synthetic shopping feed: `createGenerator` returns a deterministic source of
 * ShoppingRecords that look like real flight-search traffic. Where searches come from is
 * the gravity model of world.ts modulated by the local time at each origin
 * (seasonality.ts); what is searched is trip-plan.ts; what comes back is offer-builder.ts
 * priced by fares.ts.
 */
import { randomInt } from 'node:crypto';
import type { ShoppingRecord } from '../model/shopping-record.js';
import { GeneratorOptionError } from './errors.js';
import { localCurrency } from './fares.js';
import { civilFromDays, DAY_MS, dayOfWeek, formatDay, TimeZoneOffsets } from './local-time.js';
import { OfferBuilder } from './offer-builder.js';
import { Rng } from './prng.js';
import { searchIntensity } from './seasonality.js';
import { planTrip } from './trip-plan.js';
import { World } from './world.js';

/** Default vendor name stamped on generated records. */
export const DEFAULT_VENDOR = 'generic';
/** Default searches per simulated second when the generator keeps its own clock. */
export const DEFAULT_SIMULATED_RATE = 10;
/** receivedAt trails shoppedAt by this many ms (inclusive range). */
export const RECEIVE_DELAY_MS: readonly [number, number] = [150, 900];

const HOUR_MS = 3_600_000;
/** What a vendor name may look like (the record schema's rule). */
export const VENDOR_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

export interface GeneratorOptions {
  /** Seed of every random choice; same seed (and start) gives the same records. Default: random. */
  seed?: number;
  /** `vendor` of every record. Default `generic`. */
  vendor?: string;
  /** Start of the simulated clock used when `next()` is called without a time. Default: now. */
  start?: Date;
  /**
   * Searches per simulated second (modulated by hour, weekday and month) when the
   * generator keeps its own clock. Default 10.
   */
  simulatedRate?: number;
  /** Price in the point of sale's currency (EUR, GBP, JPY) where it has one; default false (USD). */
  localCurrency?: boolean;
  /** A prebuilt world to share between generators; default: a new one. */
  world?: World;
}

/** A deterministic source of synthetic shopping records. */
export interface Generator {
  /** The seed in use (the drawn one when none was given), for reproducing a run. */
  readonly seed: number;
  /**
   * The next record. With `receivedAt` the record is stamped as received then (shoppedAt a
   * few hundred ms earlier); without it the generator's simulated clock advances by a
   * random gap whose rate follows the time-of-day, weekday and month profiles.
   */
  next(receivedAt?: Date): ShoppingRecord;
}

/**
 * Creates a generator. Records carry `id` `<seed hex>-<counter>` (unique per seed),
 * are valid ShoppingRecords, and are identical for the same options and call sequence.
 * Throws GeneratorOptionError for a bad vendor, seed, start or rate.
 */
export function createGenerator(opts: GeneratorOptions = {}): Generator {
  const seed = opts.seed ?? randomInt(0, 2 ** 32);
  if (!Number.isSafeInteger(seed))
    throw new GeneratorOptionError('seed', opts.seed, 'must be an integer');
  const vendor = opts.vendor ?? DEFAULT_VENDOR;
  if (!VENDOR_NAME.test(vendor)) {
    throw new GeneratorOptionError(
      'vendor',
      vendor,
      'must be lowercase letters, digits, - or _ (at most 32)',
    );
  }
  const start = opts.start ?? new Date();
  const year = start.getUTCFullYear();
  if (Number.isNaN(start.getTime()) || year < 1971 || year > 9000) {
    throw new GeneratorOptionError(
      'start',
      String(start),
      'must be a valid date between 1971 and 9000',
    );
  }
  const rate = opts.simulatedRate ?? DEFAULT_SIMULATED_RATE;
  if (!(rate > 0) || !Number.isFinite(rate)) {
    throw new GeneratorOptionError('simulatedRate', rate, 'must be a positive number');
  }
  return new SyntheticGenerator(
    seed >>> 0,
    vendor,
    start.getTime(),
    rate,
    opts.localCurrency ?? false,
    opts.world ?? new World(),
  );
}

class SyntheticGenerator implements Generator {
  private readonly rng: Rng;
  private readonly zones = new TimeZoneOffsets();
  private readonly offers: OfferBuilder;
  private readonly idPrefix: string;
  private counter = 0;
  private clock: number;
  private bucket = Number.NaN;
  private originCumulative: Float64Array;
  private intensity = 1;
  private readonly totalDemand: number;

  constructor(
    readonly seed: number,
    private readonly vendor: string,
    start: number,
    private readonly rate: number,
    private readonly localCurrency: boolean,
    private readonly world: World,
  ) {
    this.rng = new Rng(seed);
    this.offers = new OfferBuilder(world, this.zones);
    this.idPrefix = seed.toString(16).padStart(8, '0');
    this.clock = start;
    this.originCumulative = new Float64Array(world.airports.length);
    this.totalDemand = world.originDemand.reduce((s, v) => s + v, 0);
  }

  /** Recomputes origin weights for the hour of `t`: each origin's demand times its local search intensity. */
  private refresh(t: number): void {
    const bucket = Math.floor(t / HOUR_MS);
    if (bucket === this.bucket) return;
    this.bucket = bucket;
    const mid = bucket * HOUR_MS + HOUR_MS / 2;
    let sum = 0;
    const airports = this.world.airports;
    for (let i = 0; i < airports.length; i++) {
      const local = mid + this.zones.offsetMs(airports[i]!.tz, mid);
      const days = Math.floor(local / DAY_MS);
      const hour = Math.floor((local - days * DAY_MS) / HOUR_MS);
      const month = civilFromDays(days)[1] - 1;
      sum += this.world.originDemand[i]! * searchIntensity(hour, dayOfWeek(days), month);
      this.originCumulative[i] = sum;
    }
    this.intensity = sum / this.totalDemand;
  }

  next(receivedAt?: Date): ShoppingRecord {
    const rng = this.rng;
    const delay = rng.int(RECEIVE_DELAY_MS[0], RECEIVE_DELAY_MS[1]);
    let shopped: number;
    if (receivedAt) {
      shopped = receivedAt.getTime() - delay;
    } else {
      this.refresh(this.clock);
      this.clock += rng.exponential(this.rate * this.intensity) * 1000;
      shopped = Math.floor(this.clock);
    }
    this.refresh(shopped);
    const w = this.world;
    for (let attempt = 0; ; attempt++) {
      const o = rng.pickCumulative(this.originCumulative);
      const d = rng.pickCumulative(w.demandCumulative[o]!);
      if (d === o || w.itineraries(o, d).length === 0) {
        if (attempt > 1000) throw new Error('the synthetic world has no flyable market');
        continue;
      }
      const origin = w.airports[o]!;
      const destination = w.airports[d]!;
      const searchDay = Math.floor((shopped + this.zones.offsetMs(origin.tz, shopped)) / DAY_MS);
      const plan = planTrip(rng, w.km(o, d), searchDay);
      const x = rng.next();
      const pos =
        x < 0.88
          ? origin.country
          : x < 0.95
            ? destination.country
            : origin.country === 'US'
              ? 'GB'
              : 'US';
      const offers = this.offers.build(rng, {
        origin: o,
        destination: d,
        searchDay,
        departureDay: plan.departureDay,
        returnDay: plan.returnDay,
        passengers: plan.passengers,
        cabin: plan.cabin,
        currency: this.localCurrency ? localCurrency(pos) : 'USD',
      });
      const record: ShoppingRecord = {
        id: `${this.idPrefix}-${String(this.counter++).padStart(9, '0')}`,
        vendor: this.vendor,
        shoppedAt: new Date(shopped).toISOString(),
        receivedAt: new Date(shopped + delay).toISOString(),
        pos,
        origin: origin.code,
        destination: destination.code,
        departureDate: formatDay(plan.departureDay),
        ...(plan.returnDay === undefined ? {} : { returnDate: formatDay(plan.returnDay) }),
        tripType: plan.returnDay === undefined ? 'oneway' : 'roundtrip',
        passengers: plan.passengers,
        offers,
      };
      return record;
    }
  }
}
