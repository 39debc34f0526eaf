import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateRecord } from '../model/validate.js';
import { AIRLINES } from './airlines.js';
import { AIRPORTS } from './airports.js';
import { GeneratorOptionError } from './errors.js';
import { createGenerator } from './generator.js';
import { greatCircleKm } from './geo.js';
import { ITINERARY_CACHE_MARKETS, World } from './world.js';

const START = new Date('2025-03-10T08:00:00Z');
const world = new World();

function take(seed: number, n: number, start = START) {
  const g = createGenerator({ seed, start, world });
  return Array.from({ length: n }, () => g.next());
}

/** UTC ms of a local `YYYY-MM-DDTHH:mm` in `tz`, computed independently of the generator. */
function localToUtc(local: string, tz: string): number {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  const offsetAt = (utc: number): number => {
    const p: Record<string, number> = {};
    for (const x of fmt.formatToParts(new Date(utc))) {
      if (x.type !== 'literal') p[x.type] = Number(x.value);
    }
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!) - utc;
  };
  const wall = Date.parse(`${local}:00Z`);
  // Two passes so that times near a DST change use the offset in force at that instant.
  return wall - offsetAt(wall - offsetAt(wall));
}

describe('reference tables', () => {
  it('has unique, well-formed airports and airlines whose hubs exist', () => {
    assert.ok(AIRPORTS.length >= 120, `${AIRPORTS.length} airports`);
    assert.ok(AIRLINES.length >= 40, `${AIRLINES.length} airlines`);
    const codes = new Set(AIRPORTS.map((a) => a.code));
    assert.equal(codes.size, AIRPORTS.length, 'duplicate airport code');
    assert.equal(new Set(AIRLINES.map((a) => a.code)).size, AIRLINES.length, 'duplicate airline');
    for (const a of AIRPORTS) {
      assert.match(a.code, /^[A-Z]{3}$/);
      assert.match(a.country, /^[A-Z]{2}$/);
      assert.ok(Math.abs(a.lat) <= 90 && Math.abs(a.lon) <= 180, a.code);
      assert.doesNotThrow(() => new Intl.DateTimeFormat('en', { timeZone: a.tz }), a.tz);
      assert.ok(a.pax > 0, a.code);
    }
    for (const al of AIRLINES) {
      for (const h of [...al.hubs, ...al.serves])
        assert.ok(codes.has(h), `${al.code} uses unknown ${h}`);
    }
  });

  it('computes great-circle distances that match known values', () => {
    const km = (a: string, b: string) => {
      const x = AIRPORTS.find((p) => p.code === a)!;
      const y = AIRPORTS.find((p) => p.code === b)!;
      return greatCircleKm(x.lat, x.lon, y.lat, y.lon);
    };
    // Published great-circle distances: JFK-LHR 5,540 km, LAX-SYD 12,050 km.
    assert.ok(Math.abs(km('JFK', 'LHR') - 5540) < 40, `JFK-LHR ${km('JFK', 'LHR')}`);
    assert.ok(Math.abs(km('LAX', 'SYD') - 12050) < 60, `LAX-SYD ${km('LAX', 'SYD')}`);
  });
});

describe('World', () => {
  it('keeps the itineraries of the markets drawn last only, and finds the same ones again', () => {
    const w = new World();
    const n = w.airports.length;
    const first = new Map<number, string>();
    for (let o = 0; o < n; o++) {
      for (let d = 0; d < n; d++)
        if (o !== d) first.set(o * n + d, JSON.stringify(w.itineraries(o, d)));
    }
    assert.ok(first.size > ITINERARY_CACHE_MARKETS * 2, `${first.size} markets drawn`);
    assert.equal(w.cachedItineraryMarkets, ITINERARY_CACHE_MARKETS);
    for (const [key, json] of first) {
      assert.equal(
        JSON.stringify(w.itineraries(Math.floor(key / n), key % n)),
        json,
        `market ${key}`,
      );
    }
    assert.equal(w.cachedItineraryMarkets, ITINERARY_CACHE_MARKETS);
    // a generator on the worn world draws what one on a fresh world draws
    const fresh = createGenerator({ seed: 11, start: START, world: new World() });
    const worn = createGenerator({ seed: 11, start: START, world: w });
    for (let i = 0; i < 300; i++) assert.deepEqual(worn.next(), fresh.next());
  });
});

describe('createGenerator', () => {
  it('is deterministic under a seed and differs between seeds', () => {
    const a = take(42, 300);
    const b = take(42, 300);
    assert.deepEqual(a, b);
    const c = take(43, 300);
    assert.notDeepEqual(
      a.map((r) => `${r.origin}${r.destination}${r.departureDate}`),
      c.map((r) => `${r.origin}${r.destination}${r.departureDate}`),
    );
  });

  it('produces only valid records, with unique ids, across seeds', () => {
    const ids = new Set<string>();
    let records = 0;
    for (const seed of [1, 2, 3, 99, 123456789, 2 ** 32 - 1]) {
      const g = createGenerator({
        seed,
        start: new Date(START.getTime() + (seed % 1000) * 7_200_000),
        world,
      });
      for (let i = 0; i < 700; i++) {
        const r = g.next();
        const v = validateRecord(r);
        assert.ok(v.ok, `seed ${seed} record ${i}: ${v.ok ? '' : v.errors.join('; ')}`);
        ids.add(r.id);
        records++;
      }
    }
    assert.equal(ids.size, records);
  });

  it('prices in local currencies, exactly to their minor unit, when asked', () => {
    const g = createGenerator({ seed: 5, start: START, localCurrency: true, world });
    const currencies = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const r = g.next();
      const v = validateRecord(r);
      assert.ok(v.ok, v.ok ? '' : v.errors.join('; '));
      for (const o of r.offers) {
        currencies.add(o.currency);
        if (o.currency === 'JPY') assert.ok(Number.isInteger(o.totalAmount));
      }
    }
    for (const c of ['USD', 'EUR', 'GBP', 'JPY']) assert.ok(currencies.has(c), `no ${c} offers`);
  });

  it('stamps receivedAt when given, with shoppedAt a few hundred ms earlier', () => {
    const g = createGenerator({ seed: 1, world });
    const at = new Date('2025-06-01T12:00:00.000Z');
    const r = g.next(at);
    assert.equal(r.receivedAt, at.toISOString());
    const lag = at.getTime() - Date.parse(r.shoppedAt);
    assert.ok(lag >= 150 && lag <= 900, `lag ${lag}`);
    assert.equal(r.vendor, 'generic');
    assert.equal(createGenerator({ seed: 1, vendor: 'sabre', world }).next().vendor, 'sabre');
  });

  it('advances its simulated clock from start', () => {
    const recs = take(8, 200);
    assert.ok(Date.parse(recs[0]!.shoppedAt) >= START.getTime());
    for (let i = 1; i < recs.length; i++) {
      assert.ok(recs[i]!.shoppedAt >= recs[i - 1]!.shoppedAt, 'shoppedAt goes backwards');
    }
  });

  it('rejects bad options with a named error', () => {
    assert.throws(() => createGenerator({ vendor: 'Bad Vendor' }), GeneratorOptionError);
    assert.throws(() => createGenerator({ seed: 1.5 }), /seed/);
    assert.throws(() => createGenerator({ start: new Date('nope') }), /start/);
    assert.throws(() => createGenerator({ start: new Date('+012000-01-01T00:00:00Z') }), /start/);
    assert.throws(() => createGenerator({ simulatedRate: -1 }), /simulatedRate/);
  });

  it('lays out flights consistently: chained airports, local dates, block and connection times', () => {
    const tz = new Map(AIRPORTS.map((a) => [a.code, a]));
    let connections = 0;
    for (const r of take(11, 400)) {
      for (const o of r.offers) {
        assert.equal(o.legs.length, r.tripType === 'roundtrip' ? 2 : 1);
        o.legs.forEach((leg, li) => {
          const from = li === 0 ? r.origin : r.destination;
          const to = li === 0 ? r.destination : r.origin;
          const segs = leg.segments;
          assert.equal(leg.stops, segs.length - 1);
          assert.equal(segs[0]!.origin, from);
          assert.equal(segs.at(-1)!.destination, to);
          assert.equal(segs[0]!.departAt.slice(0, 10), li === 0 ? r.departureDate : r.returnDate);
          let prevArrival = 0;
          let firstDeparture = 0;
          segs.forEach((s, k) => {
            const a = tz.get(s.origin)!;
            const b = tz.get(s.destination)!;
            const dep = localToUtc(s.departAt, a.tz);
            const arr = localToUtc(s.arriveAt, b.tz);
            const block = (arr - dep) / 60_000;
            const expected = 30 + (greatCircleKm(a.lat, a.lon, b.lat, b.lon) / 800) * 60;
            assert.ok(
              Math.abs(block - expected) <= 5,
              `${s.origin}-${s.destination} block ${block} vs ${expected}`,
            );
            if (k === 0) firstDeparture = dep;
            else {
              assert.equal(s.origin, segs[k - 1]!.destination);
              const conn = (dep - prevArrival) / 60_000;
              assert.ok(conn >= 45 && conn <= 240, `connection ${conn} min at ${s.origin}`);
              connections++;
            }
            prevArrival = arr;
          });
          assert.equal(leg.durationMinutes, (prevArrival - firstDeparture) / 60_000);
        });
      }
    }
    assert.ok(connections > 100, 'too few connections to check');
  });
});
