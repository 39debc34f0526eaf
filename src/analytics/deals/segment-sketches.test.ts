import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { DDSketch } from '@datadog/sketches-js';
import { DEAL_LABELS, DEFAULT_PERCENTILES, intendedShares } from './deal-label.js';

const DEFAULT_INTENDED = intendedShares(DEFAULT_PERCENTILES);

import { evaluateDeals } from './evaluate-deals.js';
import type { FareRow } from './fare-csv.js';
import { describeSegment, levelKeysOf, SEGMENT_LEVELS, segmentKey } from './fare-segment.js';
import { explain, SegmentSketches } from './segment-sketches.js';
import { expediaFares, splitByShoppingDay } from './testing/expedia-fares.js';

/** A time slice that is never due: evict in one go. */
const noPause = { due: () => false, pause: async () => {} };

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

/** Fares from a lognormal per market × cabin × lead bucket, as generated history/probe. */
function syntheticFares(n: number, seed: number): FareRow[] {
  const u = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const markets = ['JFK-LAX', 'LAX-JFK', 'SFO-ORD', 'BOS-MIA', 'SEA-DEN', 'ATL-DFW'];
  const rows: FareRow[] = [];
  for (let i = 0; i < n; i++) {
    const mi = Math.floor(u() * markets.length);
    const cabin = u() < 0.8 ? 'economy' : 'business';
    const lead = Math.floor(u() * 90);
    const stay = u() < 0.5 ? undefined : Math.floor(u() * 14);
    const base = 150 + 60 * mi + (cabin === 'business' ? 900 : 0) + (lead < 7 ? 120 : 0);
    const price = Math.round(base * Math.exp(0.35 * gauss()) * 100) / 100;
    rows.push({
      features: {
        market: markets[mi] as string,
        cabin,
        tripType: stay === undefined ? 'oneway' : 'roundtrip',
        leadDays: lead,
        stayDays: stay,
        currency: '',
      },
      price,
    });
  }
  return rows;
}

describe('window cut-offs', () => {
  it("are what a DDSketch merged from the window's day sketches answers", () => {
    const u = rng(7);
    const f = {
      market: 'JFK-LAX',
      cabin: 'economy',
      tripType: 'oneway',
      leadDays: 20,
      stayDays: undefined,
      currency: '',
    };
    const key = segmentKey(f, 0);
    // one fare, two, a few in one bin, and many over days, prices spread and repeated
    for (const fares of [1, 2, 3, 7, 50, 400, 3000]) {
      const windowDays = 7;
      const s = new SegmentSketches({ windowDays, minFares: 1 });
      for (let i = 0; i < fares; i++) {
        const price = i % 5 === 0 ? 199 : Math.round(80 + 400 * u() ** 2);
        s.add(f, price, 100 + Math.floor(u() * 12));
      }
      for (const today of [100, 104, 106, 111, 130]) {
        // the reference: the window's day sketches merged, asked as labels ask
        const merged = new DDSketch({ relativeAccuracy: 0.005 });
        for (let d = today - windowDays + 1; d <= today; d++) {
          const day = s.daySketch(key, d);
          if (day) merged.merge(day);
        }
        const n = merged.count;
        const at = (p: number) => {
          if (n === 0) return Number.NaN;
          const idx = Math.min(n - 1, Math.max(0, Math.round(p * (n + 1)) - 1));
          return merged.getValueAtQuantile(n > 1 ? Math.min(1, (idx + 1e-6) / (n - 1)) : 0);
        };
        const p = DEFAULT_PERCENTILES;
        assert.deepEqual(
          s.cutoffs(key, today),
          { count: n, great: at(p.great), good: at(p.good), median: at(0.5), high: at(p.high) },
          `${fares} fares, window ending on day ${today}`,
        );
        assert.deepEqual(s.cutoffs(key, today), s.cutoffsByDDSketch(key, today));
      }
    }
  });
});

describe('deal labels', () => {
  it('are calibrated on held-back fares from the same distribution (within 2 points)', () => {
    const e = evaluateDeals(syntheticFares(40_000, 1), syntheticFares(40_000, 2));
    for (const l of DEAL_LABELS) {
      const { intended, observed } = e.labels[l];
      assert.ok(
        Math.abs(observed - intended) < 0.02,
        `${l}: intended ${intended}, observed ${observed}`,
      );
    }
    assert.deepEqual(
      DEAL_LABELS.map((l) => e.labels[l].intended),
      [0.1, 0.15, 0.5, 0.25],
    );
  });

  const expedia = expediaFares();
  const noExpedia = expedia
    ? false
    : 'shared/data/fares/expedia_itineraries_sample.csv not present';

  it('are calibrated on random splits of the real Expedia fares (mean of 10 within 1 point)', {
    skip: noExpedia,
  }, () => {
    // One split of 4,100 + 4,100 fares has a standard error of 0.5–1 point per share
    // (DealsEvaluation.labels.se): the mean of ten splits shows the bias.
    const rows = expedia as FareRow[];
    const mean: Record<string, number> = {};
    for (let seed = 1; seed <= 10; seed++) {
      const u = rng(seed);
      const hist: FareRow[] = [];
      const probe: FareRow[] = [];
      for (const r of rows) (u() < 0.5 ? hist : probe).push(r);
      const e = evaluateDeals(hist, probe);
      for (const l of DEAL_LABELS) {
        mean[l] = (mean[l] ?? 0) + e.labels[l].observed / 10;
        assert.ok(e.labels[l].se > 0.004 && e.labels[l].se < 0.012, `${l} se ${e.labels[l].se}`);
      }
    }
    for (const l of DEAL_LABELS)
      assert.ok(
        Math.abs((mean[l] as number) - DEFAULT_INTENDED[l]) < 0.01,
        `${l}: mean ${mean[l]}`,
      );
  });

  it('are calibrated on real fares held back by time, replayed as the real-time path labels them', {
    skip: noExpedia,
  }, () => {
    // History: the first 28 days of shopping; probe: the 143 days after, each labelled
    // against the trailing window ending on its day and then added.
    const { history, probe } = splitByShoppingDay(expedia as FareRow[], 28);
    const e = evaluateDeals(history, probe);
    assert.ok(e.replay);
    assert.equal(e.replay.labelled, probe.length);
    for (const l of DEAL_LABELS) {
      const { intended, observed } = e.replay.labels[l];
      assert.ok(
        Math.abs(observed - intended) < 0.01,
        `${l}: intended ${intended}, observed ${observed}`,
      );
    }
  });

  it('falls back to a coarser segment when the fine one has too few fares', () => {
    const s = new SegmentSketches({ minFares: 10 });
    const f = {
      market: 'JFK-LAX',
      cabin: 'economy',
      tripType: 'oneway',
      leadDays: 17,
      currency: 'USD',
    };
    for (let i = 0; i < 20; i++) s.add({ ...f, leadDays: 40 }, 100 + i, 0);
    const c = s.classify(f, 50, 0);
    assert.equal(c?.level, 'trip');
    assert.equal(c?.label, 'great');
    for (let i = 0; i < 10; i++) s.add(f, 300 + i, 0);
    assert.equal(s.classify(f, 50, 0)?.level, 'full');
  });

  it('compares only with the trailing window', () => {
    const s = new SegmentSketches({ minFares: 5, windowDays: 28 });
    const f = {
      market: 'JFK-LAX',
      cabin: 'economy',
      tripType: 'oneway',
      leadDays: 17,
      currency: 'USD',
    };
    for (let i = 0; i < 50; i++) s.add(f, 1000 + i, 100);
    for (let i = 0; i < 50; i++) s.add(f, 100 + i, 120);
    assert.equal(s.classify(f, 500, 120)?.label, 'typical');
    // Day 128: the day-100 fares left the window, so 500 is high against the day-120 ones.
    assert.equal(s.classify(f, 500, 128)?.label, 'high');
    assert.equal(s.classify(f, 500, 128)?.fares, 50);
  });

  it('keeps only the bins that hold fares: the fine segments are most of the day sketches', () => {
    // The demo's deals held 72,000 day sketches as the library's DDSketch, each with every
    // bin between its lowest and highest fare (about 60 on average, 1,560 bytes a sketch).
    const s = new SegmentSketches();
    const fares = syntheticFares(2000, 7);
    for (const [i, r] of fares.entries()) s.add(r.features, r.price, i % 7);
    assert.ok(s.sketches > 1000, `${s.sketches} day sketches`);
    // each fare adds one count at each of the 6 levels: at most one new bin each
    assert.ok(s.bins <= fares.length * 6, `${s.bins} bins for ${fares.length} fares`);
    const perSketch = s.bins / s.sketches;
    assert.ok(perSketch < 10, `${perSketch.toFixed(1)} bins per day sketch`);
    const f = fares[0]!.features;
    assert.ok(s.classify(f, fares[0]!.price, 6));
  });

  it('gives back the same day sketches it was given: a checkpoint restores the same labels', () => {
    const a = new SegmentSketches({ minFares: 5 });
    const fares = syntheticFares(3000, 11);
    for (const [i, r] of fares.entries()) a.add(r.features, r.price, 200 + (i % 5));
    // what the deals use case saves: the finest segments' day sketches, as protobuf
    const b = new SegmentSketches({ minFares: 5 });
    let restored = 0;
    for (const r of fares) {
      const key = segmentKey(r.features, 0);
      for (let day = 200; day < 205; day++) {
        const sk = a.daySketch(key, day);
        if (!sk || b.daySketch(key, day)) continue;
        const back = DDSketch.fromProto(sk.toProto());
        // restoring fills every level of the segment, as the use case does
        for (let level = 0; level < 6; level++)
          b.mergeDay(segmentKey(r.features, level), day, back);
        restored++;
      }
    }
    assert.ok(restored > 100, `${restored} day sketches restored`);
    assert.equal(b.sketches, a.sketches);
    assert.equal(b.bins, a.bins);
    for (const r of fares.slice(0, 300))
      assert.deepEqual(b.classify(r.features, r.price, 204), a.classify(r.features, r.price, 204));
    // a sketch of another accuracy is refused, not merged into the wrong bins
    const other = new DDSketch({ relativeAccuracy: 0.02 });
    other.accept(100);
    assert.throws(
      () => b.mergeDay(segmentKey(fares[0]!.features, 0), 200, other),
      /different `relativeAccuracy`/,
    );
  });

  it('evicts the days that left the window, and only looks again once another has', async () => {
    const s = new SegmentSketches({ windowDays: 7, minFares: 1 });
    const f = {
      market: 'JFK-LAX',
      cabin: 'economy',
      tripType: 'oneway',
      leadDays: 17,
      currency: 'USD',
    };
    for (let day = 100; day <= 110; day++) s.add(f, 100 + day, day);
    const perDay = s.sketches / 11; // one sketch a level a day
    assert.equal(await s.evict(110, noPause), 4 * perDay); // days 100-103 left the window ending on 110
    assert.equal(s.sketches, 7 * perDay);
    assert.equal(await s.evict(110, noPause), 0);
    // a late fare of an old day is dropped at the next eviction
    s.add(f, 99, 95);
    assert.equal(s.sketches, 8 * perDay);
    assert.equal(await s.evict(110, noPause), perDay);
    assert.equal(s.classify(f, 150, 110)?.fares, 7);
    // a segment with no day left is forgotten
    assert.equal(await s.evict(200, noPause), 7 * perDay);
    assert.equal(s.size, 0);
  });

  it('evicts alike in slices, pausing whenever the slice is due', async () => {
    const fill = () => {
      const s = new SegmentSketches({ windowDays: 7, minFares: 1 });
      for (let m = 0; m < 50; m++)
        for (let day = 100; day <= 110; day++)
          s.add(
            {
              market: `M${m}-X`,
              cabin: 'economy',
              tripType: 'oneway',
              leadDays: m,
              currency: 'USD',
            },
            100 + day,
            day,
          );
      return s;
    };
    const whole = fill();
    const sliced = fill();
    let pauses = 0;
    const slice = { due: () => true, pause: async () => void pauses++ };
    assert.equal(await sliced.evict(110, slice), await whole.evict(110, noPause));
    assert.ok(pauses >= sliced.size, `a pause between segments (${pauses})`);
    assert.equal(sliced.sketches, whole.sketches);
    assert.equal(sliced.size, whole.size);
    pauses = 0;
    assert.equal(await sliced.evict(110, slice), 0, 'nothing left the window since');
    assert.equal(pauses, 0, 'and nothing was looked at');
    assert.equal(await sliced.evict(200, slice), await whole.evict(200, noPause));
    assert.equal(sliced.size, 0);
  });

  it('looks only at the segments given an older day, until the window moves past the rest', async () => {
    const s = new SegmentSketches({ windowDays: 7, minFares: 1 });
    const fare = (m: number) => ({
      market: `M${m}-X`,
      cabin: 'economy',
      tripType: 'oneway',
      leadDays: 3,
      currency: 'USD',
    });
    for (let m = 0; m < 200; m++) for (let day = 105; day <= 110; day++) s.add(fare(m), 150, day);
    let looked = 0;
    const counting = {
      due: () => {
        looked++;
        return false;
      },
      pause: async () => {},
    };
    assert.equal(
      await s.evict(110, counting),
      0,
      'days 105-110 are all in the window ending on 110',
    );
    // a late fare of market 7, and a stored old day merged back (as the deals revive a
    // trimmed segment): only their segments are looked at, and their old days dropped
    s.add(fare(7), 150, 101);
    const key = segmentKey(fare(9), 0);
    const old = new DDSketch({ relativeAccuracy: 0.005 });
    old.accept(140);
    s.mergeDay(key, 100, old);
    const sketches = s.sketches;
    looked = 0;
    assert.equal(await s.evict(110, counting), SEGMENT_LEVELS.length + 1);
    assert.equal(s.sketches, sketches - SEGMENT_LEVELS.length - 1);
    assert.ok(looked <= SEGMENT_LEVELS.length + 1, `looked at ${looked} of ${s.size} segments`);
    assert.equal(s.cutoffs(key, 110)?.count, 6, 'its fares of days 105-110 only');
    looked = 0;
    assert.equal(await s.evict(110, counting), 0);
    assert.equal(looked, 0, 'nothing late since');
    // a day leaving the window: every segment is looked at again, and day 105 dropped
    const held = s.size;
    assert.equal(await s.evict(112, counting), held, 'one day 105 in every segment');
    assert.ok(looked >= held);
    // a late segment whose only day leaves is forgotten, not left empty
    s.add(fare(500), 150, 90);
    const size = s.size;
    assert.equal(await s.evict(112, noPause), SEGMENT_LEVELS.length);
    assert.equal(s.size, size - 4, "its market's four segments had no other day");
    assert.equal(s.holds(segmentKey(fare(500), 0)), false);
  });

  it('holds at most maxSegments: trim drops the least recently added fine segments, unusable first', () => {
    const s = new SegmentSketches({ minFares: 5, maxSegments: 60 });
    const base = { cabin: 'economy', tripType: 'oneway', currency: 'USD' };
    // a busy market: enough fares in every level to be used
    const busy = { ...base, market: 'JFK-LAX', leadDays: 17 };
    for (let i = 0; i < 10; i++) s.add(busy, 200 + i, 50);
    // 20 quiet markets, one fare each (each adds a full, lead, trip and market segment)
    const quiet = (m: number) => ({ ...base, market: `Q${m}-ZZZ`, leadDays: 3 });
    for (let m = 0; m < 20; m++) s.add(quiet(m), 100, 50);
    assert.equal(s.size, 6 + 20 * 4);
    const coarse = s.classify(quiet(0), 100, 50);
    assert.equal(coarse?.level, 'cabin');
    const gone: [string, number][] = [];
    const dropped = s.trim(50, (key, level) => gone.push([key, level]));
    // down to 90% of 60: the oldest quiet markets' full, lead and trip segments went
    assert.equal(dropped, 86 - 54);
    assert.equal(s.size, 54);
    // each one told, with its level, and none of them held any more
    assert.equal(gone.length, dropped);
    assert.ok(
      gone.every(([key, level]) => !s.holds(key) && key.startsWith(`${SEGMENT_LEVELS[level]}|`)),
    );
    assert.ok(gone.some(([key]) => key === segmentKey(quiet(0), 0)));
    // the busy market was added first but has enough fares: it stays usable
    assert.equal(s.classify(busy, 150, 50)?.level, 'full');
    // the quiet fares stay counted in the coarser levels: the same label as before
    assert.deepEqual(s.classify(quiet(0), 100, 50), coarse);
    // the newest quiet markets kept their fine segments, the oldest did not
    assert.ok(s.daySketch(segmentKey(quiet(19), 0), 50));
    assert.equal(s.daySketch(segmentKey(quiet(0), 0), 50), undefined);
    // under the cap, nothing to do
    assert.equal(s.trim(50), 0);
  });

  it('drops usable segments too when the cap leaves no choice, the least recently added first', () => {
    const s = new SegmentSketches({ minFares: 1, maxSegments: 10 });
    const f = (lead: number) => ({
      market: 'JFK-LAX',
      cabin: 'economy',
      tripType: 'oneway',
      leadDays: lead,
      currency: 'USD',
    });
    for (const lead of [0, 5, 10, 20, 25]) s.add(f(lead), 100, 7); // 5 leads: 2 × 5 + 4 segments
    assert.equal(s.size, 14);
    assert.equal(s.trim(7), 5);
    assert.equal(s.size, 9);
    assert.equal(s.classify(f(0), 100, 7)?.level, 'trip');
    assert.equal(s.classify(f(25), 100, 7)?.level, 'full');
    assert.throws(() => new SegmentSketches({ maxSegments: 0 }), /maxSegments must be at least 1/);
  });

  it('holds a one-fare segment in under 600 bytes of heap (flat keys, exact arrays)', () => {
    // 1,052 bytes before: template-literal keys are kept as trees of their parts, and a
    // growing array keeps room for 16 more elements
    const script = `
      const { SegmentSketches } = await import(${JSON.stringify(new URL('./segment-sketches.ts', import.meta.url).href)});
      const s = new SegmentSketches();
      let u = 1;
      const rnd = () => ((u = (Math.imul(u, 1664525) + 1013904223) >>> 0) / 4294967296);
      globalThis.gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 100000; i++)
        s.add({ market: 'M' + Math.floor(rnd() * 5000) + '-XXX', cabin: 'economy', tripType: 'roundtrip',
          leadDays: Math.floor(rnd() * 200), stayDays: Math.floor(rnd() * 20), currency: 'USD' }, 50 + rnd() * 2000, 20000);
      globalThis.gc();
      console.log(JSON.stringify({ bytes: process.memoryUsage().heapUsed - before, segments: s.size }));`;
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const { bytes, segments } = JSON.parse(r.stdout) as { bytes: number; segments: number };
    assert.ok(segments > 100_000, `${segments} segments`);
    assert.ok(bytes / segments < 600, `${Math.round(bytes / segments)} bytes a segment`);
  });

  it('labels the same fares the same after a store merges stores of its own growth', () => {
    const a = new SegmentSketches({ minFares: 5 });
    const f = {
      market: 'JFK-LAX',
      cabin: 'economy',
      tripType: 'oneway',
      leadDays: 17,
      currency: 'USD',
    };
    // prices far apart grow a store at both ends; the window merges three days
    const prices = [40, 5000, 120, 980, 61, 2500, 300, 75, 4100, 150, 700, 90];
    for (const [i, p] of prices.entries()) a.add(f, p, i % 3);
    const labels = [30, 60, 100, 400, 1000, 3000, 6000].map((p) => a.classify(f, p, 2)?.label);
    assert.deepEqual(labels, ['great', 'good', 'typical', 'typical', 'typical', 'high', 'high']);
  });

  it('names the levels a stored finest or market key counts in, as segmentKey spells them', () => {
    const f = {
      market: 'JFK-LAX',
      cabin: 'economy',
      tripType: 'roundtrip',
      leadDays: 17,
      stayDays: 4,
      currency: 'USD',
    };
    const all = SEGMENT_LEVELS.map((_, i) => segmentKey(f, i));
    assert.deepEqual(levelKeysOf(all[0] as string), all);
    assert.deepEqual(levelKeysOf(all[3] as string), all.slice(3));
    // the other levels are never stored
    for (const i of [1, 2, 4, 5]) assert.equal(levelKeysOf(all[i] as string), undefined);
    assert.equal(levelKeysOf('market|USD|JFK-LAX'), undefined);
  });

  it('explains a label in words a traveller understands', () => {
    const key = segmentKey(
      { market: 'JFK-LAX', cabin: 'economy', tripType: 'oneway', leadDays: 17, currency: 'USD' },
      1,
    );
    assert.equal(describeSegment(key), 'JFK\u2013LAX economy, one-way, 15\u201321 days out');
    assert.equal(
      explain(23.2, key, 1840),
      '23% below typical for JFK\u2013LAX economy, one-way, 15\u201321 days out, based on 1,840 fares',
    );
    assert.match(explain(-12.6, key, 60), /^13% above typical/);
  });
});
