import type { RunKind } from './etl-store.js';

/** Something the scheduler runs: a pond job or a customer job. */
export interface EtlTask {
  /** Unique; the run-history and lease name (`fare_trends`, `customer:acme/daily`). */
  readonly name: string;
  /** Cron (UTC). */
  readonly schedule: string;
  /** One attempt; records its own run history. */
  run(opts: { kind: RunKind; slot?: string; attempt: number }): Promise<unknown>;
}
