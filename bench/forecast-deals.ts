/**
 * The deals part of `npm run bench -- forecast`: label shares on the real Expedia fares
 * held back by time (replayed as the real-time path labels them) with what a great label
 * meant to a traveller, then the labelling rate on generated fares beside a baseline.
 */
import { DEAL_LABELS } from '../src/analytics/deals/deal-label.js';
import { evaluateDeals } from '../src/analytics/deals/evaluate-deals.js';
import type { FareRow } from '../src/analytics/deals/fare-csv.js';
import { SegmentSketches } from '../src/analytics/deals/segment-sketches.js';
import { expediaFares, splitByShoppingDay } from '../src/analytics/deals/testing/expedia-fares.js';
import { rng } from './forecast-datasets.js';
import { goal } from './forecast-goals.js';

/** Shares on the real fares: history the first 28 shopping days, probe the days after. */
function realFares(): void {
  const rows = expediaFares();
  const name = 'deal label shares within 1 point of intended on held-back real fares';
  if (!rows) {
    goal(name, undefined, 'shared/data/fares/expedia_itineraries_sample.csv not present');
    return;
  }
  const { history, probe } = splitByShoppingDay(rows, 28);
  const e = evaluateDeals(history, probe);
  const replay = e.replay;
  if (!replay) {
    goal(name, undefined, 'the fares lack shopping times');
    return;
  }
  const worst = Math.max(
    ...DEAL_LABELS.map((l) => Math.abs(replay.labels[l].observed - replay.labels[l].intended)),
  );
  goal(
    name,
    worst <= 0.01,
    `${DEAL_LABELS.map((l) => `${l} ${(replay.labels[l].observed * 100).toFixed(1)}% (${(replay.labels[l].intended * 100).toFixed(0)}%)`).join(', ')}; worst ${(worst * 100).toFixed(2)} points (${history.length} history fares, ${replay.labelled} probe fares replayed)`,
  );
  const a = e.afterGreat;
  goal(
    'what a great label means: later fares for the same trip',
    a ? a.offers > 0 : undefined,
    a
      ? `of ${a.offers} fares labelled great with a later fare for the same trip, ${(a.noLowerLater * 100).toFixed(1)}% saw no lower later fare; ${(a.laterHigher * 100).toFixed(1)}% of later fares were higher`
      : 'no shopping times',
  );
}

/** Label shares on real fares, then the labelling rate (target ≥ 200,000 offers/s on one core). */
export function dealsPart(quick: boolean): void {
  realFares();
  const u = rng(5);
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const markets = Array.from(
    { length: 200 },
    (_, i) => `A${String(i).padStart(2, '0')}-B${String(i % 37).padStart(2, '0')}`,
  );
  const fares = (n: number): FareRow[] =>
    Array.from({ length: n }, () => {
      const mi = Math.floor(u() * markets.length);
      const stay = u() < 0.5 ? undefined : Math.floor(u() * 14);
      return {
        features: {
          market: markets[mi] as string,
          cabin: u() < 0.85 ? 'economy' : 'business',
          tripType: stay === undefined ? 'oneway' : 'roundtrip',
          leadDays: Math.floor(u() * 120),
          stayDays: stay,
          currency: 'USD',
        },
        price: (100 + mi) * Math.exp(0.3 * gauss()),
      };
    });
  const history = fares(quick ? 100_000 : 500_000);
  const probe = fares(quick ? 200_000 : 1_000_000);
  const e = evaluateDeals(history, probe);
  console.log(
    `deals evaluate: ${Math.round(e.labelsPerSecond).toLocaleString('en')} labels/s; shares ${Object.entries(
      e.labels,
    )
      .map(([k, v]) => `${k} ${(v.observed * 100).toFixed(1)}% (${(v.intended * 100).toFixed(0)}%)`)
      .join(', ')}`,
  );
  const sk = new SegmentSketches();
  for (const r of history) sk.add(r.features, r.price, 100);
  const t0 = performance.now();
  for (const r of probe) {
    sk.classify(r.features, r.price, 100);
    sk.add(r.features, r.price, 100);
  }
  const rate = (probe.length / (performance.now() - t0)) * 1000;
  console.log(
    `deals real-time path (label + add to sketches): ${Math.round(rate).toLocaleString('en')} offers/s`,
  );
  const t1 = performance.now();
  let x = 0;
  for (const r of probe) x += r.price > 150 ? 1 : 0;
  const base = (probe.length / (performance.now() - t1)) * 1000;
  console.log(
    `baseline (one comparison per offer): ${Math.round(base).toLocaleString('en')} offers/s (${x > 0 ? 'ok' : ''})`,
  );
}
