import { DEAL_LABELS, DEFAULT_PERCENTILES, type DealLabel, intendedShares } from './deal-label.js';
import type { FareRow } from './fare-csv.js';
import { SegmentSketches, type SegmentSketchesOptions } from './segment-sketches.js';

/** Output of `faresight deals evaluate`. */
export interface DealsEvaluation {
  labels: Record<DealLabel, { intended: number; observed: number }>;
  labelsPerSecond: number;
}

/**
 * Builds segment sketches from `history` (all on one day), labels every `probe` row and
 * compares the share of each label with its intended share (fractions 0 … 1).
 * `labelsPerSecond` times the labelling of the probe rows only. Probe rows that cannot
 * be labelled (no history fare at all) are left out of the shares and counted in
 * `unlabelled` (passed to the callback).
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
  const t0 = performance.now();
  for (const r of probe) {
    const c = sketches.classify(r.features, r.price, 0);
    if (!c) continue;
    counts[c.label]++;
    labelled++;
  }
  const ms = performance.now() - t0;
  if (labelled < probe.length) onUnlabelled?.(probe.length - labelled);
  const intended = intendedShares(options.percentiles ?? DEFAULT_PERCENTILES);
  const labels = {} as DealsEvaluation['labels'];
  for (const l of DEAL_LABELS)
    labels[l] = { intended: intended[l], observed: labelled > 0 ? counts[l] / labelled : 0 };
  return { labels, labelsPerSecond: ms > 0 ? (probe.length / ms) * 1000 : 0 };
}
