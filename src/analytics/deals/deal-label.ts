/** The label of a fare against its segment. */
export const DEAL_LABELS = ['great', 'good', 'typical', 'high'] as const;
export type DealLabel = (typeof DEAL_LABELS)[number];

/**
 * Percentile cut-offs: `great` below `great`, `good` below `good`, `high` above `high`,
 * `typical` otherwise. Default 0.10 / 0.25 / 0.75.
 */
export interface DealPercentiles {
  readonly great: number;
  readonly good: number;
  readonly high: number;
}

export const DEFAULT_PERCENTILES: DealPercentiles = { great: 0.1, good: 0.25, high: 0.75 };

/** The share of comparable fares each label is meant to get. */
export function intendedShares(p: DealPercentiles): Record<DealLabel, number> {
  const r = (v: number) => Math.round(v * 1e9) / 1e9;
  return {
    great: r(p.great),
    good: r(p.good - p.great),
    typical: r(p.high - p.good),
    high: r(1 - p.high),
  };
}

/** Throws RangeError unless 0 < great < good < high < 1. */
export function checkPercentiles(p: DealPercentiles): void {
  if (!(p.great > 0 && p.great < p.good && p.good < p.high && p.high < 1))
    throw new RangeError(
      `deal percentiles must satisfy 0 < great < good < high < 1 (got ${p.great}, ${p.good}, ${p.high})`,
    );
}
