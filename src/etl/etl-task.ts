import type { RunKind } from './etl-store.js';

/** Something the scheduler runs: a pond job, a customer job or the demand forecast. */
export interface EtlTask {
  /** Unique; the run-history and lease name (`fare_trends`, `customer:acme/daily`). */
  readonly name: string;
  /** Cron (UTC). */
  readonly schedule: string;
  /**
   * When set, this long after the scheduler starts it dispatches the schedule's latest
   * slot (within the last 25 hours), as a missed fire: the slot claim makes that one run
   * across the fleet, and none when the slot already ran. Default: no catch-up.
   */
  readonly catchUpAfterMs?: number;
  /**
   * One attempt; records its own run history. `signal` aborts when the scheduler stops:
   * a long task (the forecast) ends early on it, so that the process stops in time.
   */
  run(opts: {
    kind: RunKind;
    slot?: string;
    attempt: number;
    signal?: AbortSignal;
  }): Promise<unknown>;
}
