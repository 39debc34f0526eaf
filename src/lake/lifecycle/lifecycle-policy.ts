import { LifecycleConfigError } from './errors.js';

/** Lifecycle tiers in days of partition age; 0 turns a tier off. */
export interface LifecyclePolicy {
  /** Partitions older than this move to the archive tier (config lake.archiveAfterDays). */
  readonly archiveAfterDays: number;
  /** Partitions older than this are deleted, archive included (config lake.deleteAfterDays). */
  readonly deleteAfterDays: number;
}

/**
 * Checks a policy: whole days, not negative, and deletion after archiving when both are
 * on (S3 rejects an expiration that is not after a transition). Throws LifecycleConfigError.
 */
export function checkPolicy(policy: LifecyclePolicy): LifecyclePolicy {
  for (const [name, v] of Object.entries(policy))
    if (!Number.isInteger(v) || v < 0)
      throw new LifecycleConfigError(`lake.${name} must be a whole number of days >= 0 (got ${v})`);
  const { archiveAfterDays: a, deleteAfterDays: d } = policy;
  if (a > 0 && d > 0 && d <= a)
    throw new LifecycleConfigError(
      `lake.deleteAfterDays (${d}) must be greater than lake.archiveAfterDays (${a}), or 0`,
    );
  return policy;
}

/** The UTC date `days` before `today` (`YYYY-MM-DD`). */
export function daysBefore(today: string, days: number): string {
  const t = Date.parse(`${today}T00:00:00.000Z`) - days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
