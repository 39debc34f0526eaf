/**
 * Statistical shape of the synthetic feed: each check would fail if the part of the
 * model it covers were broken (demand, trip plans, fares, sales, search seasonality).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Offer, ShoppingRecord } from '../model/shopping-record.js';
import { AIRLINES } from './airlines.js';
import { AIRPORTS } from './airports.js';
import { BOOKING_CLASS, BRANDS, type Brand, CHEAP_FARE_RANGE, referenceFareUsd } from './fares.js';
import { createGenerator } from './generator.js';
import { greatCircleKm } from './geo.js';
import { dayOfWeek, parseDay } from './local-time.js';
import { World } from './world.js';

const N = 8000;
const airport = new Map(AIRPORTS.map((a) => [a.code, a]));
const airline = new Map(AIRLINES.map((a) => [a.code, a]));
let records: ShoppingRecord[] = [];

const km = (a: string, b: string) => {
  const x = airport.get(a)!;
  const y = airport.get(b)!;
  return greatCircleKm(x.lat, x.lon, y.lat, y.lon);
};
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const leads = new Map<ShoppingRecord, number>();
/** Days from the search (origin local date) to departure, computed with Intl, not the generator. */
const leadDays = (r: ShoppingRecord) => {
  let lead = leads.get(r);
  if (lead === undefined) {
    const tz = airport.get(r.origin)!.tz;
    let fmt = dateFormats.get(tz);
    if (!fmt) {
      fmt = new Intl.DateTimeFormat('en-CA', { timeZone: tz });
      dateFormats.set(tz, fmt);
    }
    lead = parseDay(r.departureDate) - parseDay(fmt.format(new Date(r.shoppedAt)));
    leads.set(r, lead);
  }
  return lead;
};
/** Base fare of one adult. */
const adultBase = (o: Offer) => {
  const p = o.passengerPrices!.find((x) => x.type === 'adult')!;
  return p.baseAmount! / p.count;
};
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

before(() => {
  const g = createGenerator({
    seed: 2024,
    start: new Date('2025-04-07T00:00:00Z'),
    world: new World(),
  });
  records = Array.from({ length: N }, () => g.next());
});

describe('synthetic market model', () => {
  it('has about a third one-way searches', () => {
    const share = records.filter((r) => r.tripType === 'oneway').length / N;
    assert.ok(share >= 0.25 && share <= 0.45, `one-way share ${share}`);
  });

  it('returns 3 to 12 offers per search, over the whole range', () => {
    const counts = records.map((r) => r.offers.length);
    assert.equal(Math.min(...counts), 3);
    assert.equal(Math.max(...counts), 12);
  });

  it('books mostly within 60 days, with a tail to 330 days', () => {
    const leads = records.map(leadDays);
    assert.ok(Math.min(...leads) >= 0);
    assert.ok(Math.max(...leads) <= 330);
    const within60 = leads.filter((d) => d <= 60).length / N;
    const beyond180 = leads.filter((d) => d > 180).length / N;
    assert.ok(within60 > 0.55 && within60 < 0.9, `within 60 days ${within60}`);
    assert.ok(beyond180 > 0.02, `beyond 180 days ${beyond180}`);
  });

  it('has week-long stays as the most common, and weekend stays of 2-3 days', () => {
    const stays = new Map<number, number>();
    for (const r of records) {
      if (!r.returnDate) continue;
      const s = parseDay(r.returnDate) - parseDay(r.departureDate);
      stays.set(s, (stays.get(s) ?? 0) + 1);
    }
    const top = [...stays.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    assert.equal(top, 7);
    const roundTrips = [...stays.values()].reduce((s, v) => s + v, 0);
    const weekend = records.filter((r) => {
      if (!r.returnDate) return false;
      const s = parseDay(r.returnDate) - parseDay(r.departureDate);
      const dow = dayOfWeek(parseDay(r.departureDate));
      return (s === 2 || s === 3) && (dow === 4 || dow === 5 || dow === 6);
    }).length;
    assert.ok(weekend / roundTrips > 0.12, `weekend trips ${weekend / roundTrips}`);
  });

  it('is mostly one adult, some couples and some families', () => {
    const solo =
      records.filter((r) => r.passengers.adults === 1 && r.passengers.children === 0).length / N;
    const couples =
      records.filter((r) => r.passengers.adults === 2 && r.passengers.children === 0).length / N;
    const families = records.filter((r) => r.passengers.children > 0).length / N;
    assert.ok(solo > 0.5 && solo < 0.8, `solo ${solo}`);
    assert.ok(couples > 0.15, `couples ${couples}`);
    assert.ok(families > 0.02 && families < 0.15, `families ${families}`);
  });

  it('draws its busiest markets between big airports', () => {
    const byMarket = new Map<string, number>();
    for (const r of records) {
      const k = `${r.origin}-${r.destination}`;
      byMarket.set(k, (byMarket.get(k) ?? 0) + 1);
    }
    const sizes = AIRPORTS.map((a) => a.pax);
    const busiest = [...byMarket.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
    const endpointSizes: number[] = [];
    for (const [m] of busiest) {
      const [o, d] = m.split('-') as [string, string];
      const small = [o, d].find((c) => airport.get(c)!.pax < median(sizes));
      assert.equal(
        small,
        undefined,
        `busy market ${m} joins the smaller-than-median airport ${small}`,
      );
      endpointSizes.push(airport.get(o)!.pax, airport.get(d)!.pax);
    }
    assert.ok(
      mean(endpointSizes) > 1.5 * mean(sizes),
      `busy markets' airports average ${mean(endpointSizes)}`,
    );
    // Demand is concentrated: the 10 busiest markets outweigh the 500 least searched ones seen.
    const tail = [...byMarket.values()].sort((a, b) => a - b).slice(0, 500);
    assert.ok(busiest.reduce((s, [, c]) => s + c, 0) > tail.reduce((s, c) => s + c, 0) * 0.3);
  });

  it('prices long-haul nonstops above short-haul ones', () => {
    const short: number[] = [];
    const long: number[] = [];
    for (const r of records) {
      if (r.tripType !== 'oneway') continue;
      const d = km(r.origin, r.destination);
      for (const o of r.offers) {
        if (o.cabin !== 'economy' || o.legs[0]!.stops !== 0) continue;
        if (d < 1000) short.push(adultBase(o));
        if (d > 6000) long.push(adultBase(o));
      }
    }
    assert.ok(short.length > 100 && long.length > 30, `${short.length} short, ${long.length} long`);
    assert.ok(median(long) > 2.5 * median(short), `long ${median(long)} short ${median(short)}`);
  });

  it('prices the last week above 45-90 days out on the same market', () => {
    const buckets = new Map<string, { late: number[]; early: number[] }>();
    for (const r of records) {
      const lead = leadDays(r);
      const bucket = lead <= 7 ? 'late' : lead >= 45 && lead <= 90 ? 'early' : undefined;
      if (!bucket) continue;
      const key = `${r.origin}-${r.destination}-${r.tripType}`;
      let b = buckets.get(key);
      if (!b) {
        b = { late: [], early: [] };
        buckets.set(key, b);
      }
      for (const o of r.offers) if (o.cabin === 'economy') b[bucket].push(adultBase(o));
    }
    const ratios = [...buckets.values()]
      .filter((b) => b.late.length >= 3 && b.early.length >= 3)
      .map((b) => mean(b.late) / mean(b.early));
    assert.ok(ratios.length >= 15, `only ${ratios.length} comparable markets`);
    assert.ok(median(ratios) > 1.2, `median late/early ratio ${median(ratios)}`);
  });

  it('has a few percent of genuinely cheap fares, and the rest close to the model', () => {
    const brandOf = new Map<string, Brand>();
    for (const cabin of Object.values(BOOKING_CLASS)) {
      for (const b of BRANDS) brandOf.set(cabin[b], b);
    }
    let cheap = 0;
    let near = 0;
    let total = 0;
    for (const r of records) {
      for (const o of r.offers) {
        if (o.currency !== 'USD') continue;
        const first = o.legs[0]!.segments[0]!;
        const carrier = airline.get(o.validatingCarrier)!;
        const dep = parseDay(r.departureDate);
        const model = referenceFareUsd({
          distanceKm: km(r.origin, r.destination),
          carrier: carrier.code,
          priceLevel: carrier.priceLevel,
          lowCost: carrier.model === 'lcc',
          origin: r.origin,
          destination: r.destination,
          cabin: o.cabin,
          brand: brandOf.get(first.bookingClass!)!,
          stops: o.legs[0]!.stops,
          leadDays: leadDays(r),
          departureWeekday: dayOfWeek(dep),
          departureMonth: Number(r.departureDate.slice(5, 7)) - 1,
          departureMinute:
            Number(first.departAt.slice(11, 13)) * 60 + Number(first.departAt.slice(14, 16)),
          roundTrip: r.tripType === 'roundtrip',
        });
        const ratio = adultBase(o) / model;
        total++;
        if (ratio <= CHEAP_FARE_RANGE[1] + 0.05) cheap++;
        else if (ratio > 0.7 && ratio < 1.45) near++;
      }
    }
    const cheapShare = cheap / total;
    assert.ok(cheapShare > 0.015 && cheapShare < 0.06, `cheap share ${cheapShare}`);
    assert.ok(near / total > 0.93, `share near the model ${near / total}`);
  });
});

describe('search seasonality', () => {
  it('searches far less at night than late morning, in the origin local time', () => {
    const g = createGenerator({
      seed: 77,
      start: new Date('2025-05-05T00:00:00Z'),
      simulatedRate: 0.05,
    });
    const byHour = new Array(24).fill(0) as number[];
    for (let i = 0; i < 5000; i++) {
      const r = g.next();
      const tz = airport.get(r.origin)!.tz;
      const hour = Number(
        new Intl.DateTimeFormat('en-GB', {
          timeZone: tz,
          hour: '2-digit',
          hourCycle: 'h23',
        }).format(new Date(r.shoppedAt)),
      );
      byHour[hour]!++;
    }
    const night = byHour.slice(1, 6).reduce((s, v) => s + v, 0);
    const day = byHour.slice(9, 14).reduce((s, v) => s + v, 0);
    assert.ok(night < 0.3 * day, `night ${night} vs late morning ${day}`);
  });
});
