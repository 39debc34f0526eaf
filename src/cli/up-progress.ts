/** How often `up` looks at its progress, and logs it while the consumer groups are behind. */
export const PROGRESS_EVERY_MS = 10_000;

/** How often `up` logs its progress once the groups keep up (a line every 10 s read as noise). */
export const PROGRESS_QUIET_EVERY_MS = 60_000;

/**
 * Records behind over all consumer groups above which they count as catching up (the demo's
 * history, a burst, a group that stopped): about a minute of the demo's live feed. The lake
 * group keeps up to a file's worth unread by design (it commits when a file closes).
 */
export const BEHIND_RECORDS = 3000;

/**
 * Whether `up` logs its progress line now: at every look (PROGRESS_EVERY_MS) while the
 * groups are more than BEHIND_RECORDS behind, or when they were and no longer are (the
 * line that shows them caught up), else once every PROGRESS_QUIET_EVERY_MS.
 */
export function progressDue(p: {
  /** ms since the last line logged; Infinity before the first. */
  sinceLastMs: number;
  /** Records behind now, over every group. */
  lag: number;
  /** Records behind at the last line logged. */
  lagThen: number;
}): boolean {
  return (
    p.lag > BEHIND_RECORDS ||
    p.lagThen > BEHIND_RECORDS ||
    p.sinceLastMs >= PROGRESS_QUIET_EVERY_MS - PROGRESS_EVERY_MS / 2
  );
}
