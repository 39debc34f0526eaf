import { Cron } from 'croner';

/**
 * The scheduled time a cron fire belongs to: the latest time of `schedule` at or before
 * `now` (looking back at most an hour). Every process computes the same slot for the same
 * fire even when its timer ran late, so the slot is a key for "run once".
 */
export function cronSlot(schedule: string, now = new Date()): string {
  return latestCronSlot(schedule, now, 3_600_000) ?? now.toISOString();
}

/**
 * The latest time of `schedule` at or before `now` and no older than `lookbackMs`, or
 * undefined when the schedule has none in that window (a catch-up has nothing to run).
 */
export function latestCronSlot(
  schedule: string,
  now = new Date(),
  lookbackMs = 25 * 3_600_000,
): string | undefined {
  const cron = new Cron(schedule, { paused: true, timezone: 'UTC' });
  try {
    let t = cron.nextRun(new Date(now.getTime() - lookbackMs));
    let last: Date | null = null;
    while (t && t.getTime() <= now.getTime()) {
      last = t;
      t = cron.nextRun(t);
    }
    return last?.toISOString();
  } finally {
    cron.stop();
  }
}
