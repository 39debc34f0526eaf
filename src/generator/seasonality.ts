/**
 * When people search: relative search volume by local hour of day, day of week and month
 * at the point of sale. Each profile has mean 1, so their product modulates a base rate
 * without changing it on average over a year.
 */

function normalise(values: readonly number[]): readonly number[] {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Object.freeze(values.map((v) => v / mean));
}

/** Search volume by local hour 0-23: a night trough, a late-morning and an evening peak. */
export const HOUR_OF_DAY = normalise([
  0.35, 0.22, 0.15, 0.12, 0.12, 0.2, 0.4, 0.7, 1.0, 1.25, 1.4, 1.45, 1.4, 1.35, 1.35, 1.3, 1.25,
  1.2, 1.2, 1.3, 1.4, 1.35, 1.05, 0.65,
]);

/** Search volume by local day of week, 0 = Sunday: highest early in the week, lowest Saturday. */
export const DAY_OF_WEEK = normalise([0.95, 1.15, 1.12, 1.05, 1.0, 0.88, 0.8]);

/** Search volume by month, 0 = January: New Year planning peak, December trough. */
export const MONTH_OF_YEAR = normalise([
  1.14, 1.06, 1.02, 0.98, 1.0, 0.98, 0.96, 0.93, 0.98, 1.0, 1.0, 0.9,
]);

/** Relative search intensity at a local time (hour, day of week, month). */
export function searchIntensity(hour: number, dayOfWeek: number, month: number): number {
  return HOUR_OF_DAY[hour]! * DAY_OF_WEEK[dayOfWeek]! * MONTH_OF_YEAR[month]!;
}
