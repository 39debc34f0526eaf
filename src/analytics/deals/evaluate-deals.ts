import { DEAL_LABELS, DEFAULT_PERCENTILES, type DealLabel, intendedShares } from './deal-label.js';
import type { FareRow } from './fare-csv.js';
import { SegmentSketches, type SegmentSketchesOptions } from './segment-sketches.js';

/** Output of `faresight deals evaluate`. */
export interface DealsEvaluation {
  /**
   * Share of each label among the labelled probe fares, beside the intended share, with
   * `se`, the sampling standard error of the observed share on samples of these sizes
   * (√(q(1−q)(1/probe + 1/history)): the cut-offs are estimated from the history and the
   * shares counted on the probe). On 4,000 + 4,000 real fares it is 0.5–1 point: a
   * single split cannot show calibration much finer than 2·se.
   */
  labels: Record<DealLabel, { intended: number; observed: number; se: number }>;
  labelsPerSecond: number;
  /**
   * What a great label meant to a traveller, when every probe fare has a shopping time:
   * over the probe fares labelled great that have at least one later probe fare for the
   * same trip (market, cabin, trip type, stay, departure day = shopping day + lead days),
   * `offers` counts them, `noLowerLater` is the share for which no later fare was lower
   * (Hopper's "better price or no worse"), `laterHigher` the share of (great fare, later
   * fare) pairs in which the later fare was higher.
   */
  afterGreat?: { offers: number; noLowerLater: number; laterHigher: number };
  /**
   * When every history and probe fare has a shopping time: the labels as the real-time
   * path gives them. History fares are added on their shopping day, then the probe fares
   * in shopping order, each labelled against the trailing window ending on its day and
   * then added (so the cut-offs follow the prices as they drift, as in production).
   * Shares of the labelled probe fares; `labelled` of them had a segment with minFares.
   */
  replay?: { labels: Record<DealLabel, { intended: number; observed: number }>; labelled: number };
}

const DAY_MS = 86_400_000;

/** Trip key of a fare with a shopping time: the same flight search at a later time has the same key. */
function tripKey(r: FareRow): string {
  const f = r.features;
  const departureDay = Math.floor((r.shoppedAt as number) / DAY_MS) + f.leadDays;
  return `${f.market}|${f.cabin}|${f.tripType}|${f.stayDays ?? ''}|${departureDay}`;
}

function afterGreat(
  probe: readonly FareRow[],
  great: readonly boolean[],
): DealsEvaluation['afterGreat'] {
  const trips = new Map<string, number[]>();
  for (let i = 0; i < probe.length; i++) {
    const k = tripKey(probe[i] as FareRow);
    const list = trips.get(k);
    if (list) list.push(i);
    else trips.set(k, [i]);
  }
  let offers = 0;
  let noLower = 0;
  let pairs = 0;
  let higher = 0;
  for (const list of trips.values()) {
    for (const i of list) {
      if (!great[i]) continue;
      const a = probe[i] as FareRow;
      let later = 0;
      let lower = false;
      for (const j of list) {
        const b = probe[j] as FareRow;
        if ((b.shoppedAt as number) <= (a.shoppedAt as number)) continue;
        later++;
        if (b.price > a.price) higher++;
        if (b.price < a.price) lower = true;
      }
      if (later === 0) continue;
      pairs += later;
      offers++;
      if (!lower) noLower++;
    }
  }
  return {
    offers,
    noLowerLater: offers > 0 ? noLower / offers : 0,
    laterHigher: pairs > 0 ? higher / pairs : 0,
  };
}

/**
 * Builds segment sketches from `history` (all on one day), labels every `probe` row and
 * compares the share of each label with its intended share (fractions 0 … 1).
 * `labelsPerSecond` times the labelling of the probe rows only. Probe rows that cannot
 * be labelled (no history fare at all) are left out of the shares and counted in
 * `unlabelled` (passed to the callback). `afterGreat` is computed (untimed) when every
 * probe row has a shopping time.
 */
export function evaluateDeals(
  history: readonly FareRow[],
  probe: readonly FareRow[],
  options: SegmentSketchesOptions = {},
  onUnlabelled?: (count: number) => void,
): DealsEvaluation {
  const sketches = new SegmentSketches({ labelWithFewFares: true, ...options });
  for (const r of history) sketches.add(r.features, r.price, 0);
  const counts: Record<DealLabel, number> = { great: 0, good: 0, typical: 0, high: 0 };
  let labelled = 0;
  const great: boolean[] = new Array(probe.length).fill(false);
  let i = 0;
  const t0 = performance.now();
  for (const r of probe) {
    const c = sketches.classify(r.features, r.price, 0);
    i++;
    if (!c) continue;
    if (c.label === 'great') great[i - 1] = true;
    counts[c.label]++;
    labelled++;
  }
  const ms = performance.now() - t0;
  if (labelled < probe.length) onUnlabelled?.(probe.length - labelled);
  const intended = intendedShares(options.percentiles ?? DEFAULT_PERCENTILES);
  const labels = {} as DealsEvaluation['labels'];
  for (const l of DEAL_LABELS) {
    const q = intended[l];
    labels[l] = {
      intended: q,
      observed: labelled > 0 ? counts[l] / labelled : 0,
      se: Math.sqrt(q * (1 - q) * (1 / Math.max(labelled, 1) + 1 / Math.max(history.length, 1))),
    };
  }
  const timed = probe.length > 0 && probe.every((r) => r.shoppedAt !== undefined);
  const replayable = timed && history.every((r) => r.shoppedAt !== undefined);
  return {
    labels,
    labelsPerSecond: ms > 0 ? (probe.length / ms) * 1000 : 0,
    ...(timed ? { afterGreat: afterGreat(probe, great) } : {}),
    ...(replayable ? { replay: replay(history, probe, options, intended) } : {}),
  };
}

const dayOf = (r: FareRow) => Math.floor((r.shoppedAt as number) / DAY_MS);

/** DealsEvaluation.replay (see there); rows with shopping times only. */
function replay(
  history: readonly FareRow[],
  probe: readonly FareRow[],
  options: SegmentSketchesOptions,
  intended: Record<DealLabel, number>,
): NonNullable<DealsEvaluation['replay']> {
  const sketches = new SegmentSketches(options);
  for (const r of history) sketches.add(r.features, r.price, dayOf(r));
  const counts: Record<DealLabel, number> = { great: 0, good: 0, typical: 0, high: 0 };
  let labelled = 0;
  const ordered = [...probe].sort((a, b) => (a.shoppedAt as number) - (b.shoppedAt as number));
  for (const r of ordered) {
    const day = dayOf(r);
    const c = sketches.classify(r.features, r.price, day);
    if (c) {
      counts[c.label]++;
      labelled++;
    }
    sketches.add(r.features, r.price, day);
  }
  const labels = {} as NonNullable<DealsEvaluation['replay']>['labels'];
  for (const l of DEAL_LABELS)
    labels[l] = { intended: intended[l], observed: labelled > 0 ? counts[l] / labelled : 0 };
  return { labels, labelled };
}
