import { Cron } from 'croner';

/**
 * The scheduled time a cron fire belongs to: the latest time of `schedule` at or before
 * `now` (looking back at most an hour). Every process computes the same slot for the same
 * fire even when its timer ran late, so the slot is a key for "run once".
 */
export function cronSlot(schedule: string, now = new Date()): string {
  const cron = new Cron(schedule, { paused: true, timezone: 'UTC' });
  try {
    let t = cron.nextRun(new Date(now.getTime() - 3_600_000));
    let last: Date | null = null;
    while (t && t.getTime() <= now.getTime()) {
      last = t;
      t = cron.nextRun(t);
    }
    return (last ?? now).toISOString();
  } finally {
    cron.stop();
  }
}
