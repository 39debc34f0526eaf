/**
 * `npm run bench -- deals [--fares 200000] [--rounds 3]`: the cost of a segment window's
 * cut-offs (the great, good, median and high prices a fare is labelled by), read from the
 * window's day bins merged in key order (`SegmentSketches.cutoffs`, what labelling uses)
 * beside the baseline, a DDSketch merged from the same day sketches and asked the same
 * quantiles (`cutoffsByDDSketch`, how it was done before), in the same run: time per
 * window, and the collector's work meanwhile (PerformanceObserver `gc` entries). Then
 * labelling as the deals use case does (classify, then add, for every fare of four weeks
 * of synthetic history): fares per second.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { segmentKey } from '../src/analytics/deals/fare-segment.js';
import { SegmentSketches } from '../src/analytics/deals/segment-sketches.js';
import { rng } from './forecast-datasets.js';

const { values } = parseArgs({
  options: {
    fares: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
  },
});
const FARES = Number(values.fares);
const ROUNDS = Number(values.rounds);

const u = rng(3);
const markets = Array.from({ length: 60 }, (_, i) => `M${String(i).padStart(2, '0')}-X${i % 7}`);
const DAYS = 28;
const fares = Array.from({ length: FARES }, (_, i) => {
  const stay = u() < 0.5 ? undefined : Math.floor(u() * 14);
  return {
    f: {
      market: markets[Math.floor(u() * markets.length)]!,
      cabin: u() < 0.8 ? 'economy' : 'business',
      tripType: stay === undefined ? 'oneway' : 'roundtrip',
      leadDays: Math.floor(u() * 90),
      stayDays: stay,
      currency: '',
    },
    price: Math.round(100 + 500 * u() ** 2),
    day: 100 + Math.floor((i / FARES) * DAYS),
  };
});

let gcCount = 0;
let gcMs = 0;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) {
    gcCount++;
    gcMs += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

/** Runs `fn`, returning its wall time and the collector's events and time meanwhile. */
async function measured(
  fn: () => number,
): Promise<{ ms: number; gcs: number; gcMs: number; n: number }> {
  // let the previous run's GC entries arrive first
  await new Promise((r) => setTimeout(r, 50));
  const [c0, m0] = [gcCount, gcMs];
  const t = performance.now();
  const n = fn();
  const ms = performance.now() - t;
  await new Promise((r) => setTimeout(r, 50));
  return { ms, gcs: gcCount - c0, gcMs: gcMs - m0, n };
}

const s = new SegmentSketches({ minFares: 50 });
for (const x of fares) s.add(x.f, x.price, x.day);
const keys = [...new Set(fares.map((x) => segmentKey(x.f, 0)))].filter((k) => s.holds(k));
console.log(
  `${FARES.toLocaleString('en-US')} fares over ${DAYS} days, ${keys.length.toLocaleString('en-US')} finest segments; windows ending on each of the last 21 days`,
);
const row = (
  name: string,
  r: { ms: number; gcs: number; gcMs: number; n: number },
  base?: number,
) =>
  console.log(
    `  ${name.padEnd(34)} ${((r.ms * 1000) / r.n).toFixed(2).padStart(7)} µs a window  GC ${String(r.gcs).padStart(4)} events ${r.gcMs.toFixed(0).padStart(5)} ms${base ? `  ${(r.ms / base).toFixed(2)}x baseline` : ''}`,
  );
for (let round = 0; round < ROUNDS; round++) {
  console.log(`round ${round + 1}`);
  const baseline = await measured(() => {
    let n = 0;
    for (let today = 107; today < 128; today++)
      for (const k of keys) if (s.cutoffsByDDSketch(k, today)) n++;
    return n;
  });
  row('baseline: DDSketch merged', baseline);
  // a fresh instance each round: cutoffs keeps a window's view for its day
  const fresh = new SegmentSketches({ minFares: 50 });
  for (const x of fares) fresh.add(x.f, x.price, x.day);
  const head = await measured(() => {
    let n = 0;
    for (let today = 107; today < 128; today++)
      for (const k of keys) if (fresh.cutoffs(k, today)) n++;
    return n;
  });
  row('cutoffs: day bins merged in place', head, baseline.ms);
  const labelling = await measured(() => {
    const l = new SegmentSketches({ minFares: 50 });
    let labelled = 0;
    for (const x of fares) {
      if (l.classify(x.f, x.price, x.day)) labelled++;
      l.add(x.f, x.price, x.day);
    }
    return labelled;
  });
  console.log(
    `  labelling (classify, then add)     ${Math.round(FARES / (labelling.ms / 1000)).toLocaleString('en-US')} fares/s  GC ${labelling.gcs} events ${labelling.gcMs.toFixed(0)} ms`,
  );
}
