/**
 * What an ETL job is: a SQL SELECT over the lake tables plus the small definition that
 * says when it runs and how its output is partitioned, so that a run recomputes only the
 * output partitions its new input can change.
 */
import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import { LAKE_TABLES, type LakeTable } from '../lake/tables.js';
import { JobDefinitionError } from './errors.js';

/** Output partition granularity: one partition per day or per ISO week (Monday). */
export const POND_GRAINS = ['day', 'week'] as const;
export type PondGrain = (typeof POND_GRAINS)[number];

/**
 * A pond job. The SQL reads the views `searches` / `offers` (the lake tables named in
 * `inputs`) and must output `partitionColumn`, equal to the `grain`-truncated date of
 * `incrementalKey` (`CAST(shopped_at AS DATE)` for `day`,
 * `CAST(date_trunc('week', shopped_at) AS DATE)` for `week`).
 */
export interface JobDefinition {
  /** `[a-z][a-z0-9_]*`, unique; also the pond name unless `pond` says otherwise. */
  readonly name: string;
  readonly description: string;
  /** Cron expression (5 or 6 fields, croner syntax), in UTC. */
  readonly schedule: string;
  readonly inputs: readonly LakeTable[];
  /** Output pond: `<lake>/ponds/<pond>/<partitionColumn>=<date>/`. */
  readonly pond: string;
  readonly sql: string;
  readonly partitionColumn: string;
  readonly grain: PondGrain;
  /** Timestamp column of the inputs whose day (or week) is the output partition. */
  readonly incrementalKey: string;
  /**
   * Records received more than this many days after `incrementalKey` are left out of the
   * pond (they stay in the lake), so that a run reads a bounded window of partitions and
   * an incremental run and a full rebuild give the same rows.
   */
  readonly lateDays: number;
  /** Column grants may narrow by market (`JFK-LAX`); absent = no market narrowing. */
  readonly marketColumn?: string;
  /** Column grants may narrow by point of sale; absent = no pos narrowing. */
  readonly posColumn?: string;
}

const NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Checks a definition; throws JobDefinitionError naming the field. Returns it unchanged. */
export function validateJob(job: JobDefinition): JobDefinition {
  const fail = (field: string, msg: string) => new JobDefinitionError(job.name, field, msg);
  if (!NAME.test(job.name)) throw fail('name', 'must be lower-case letters, digits and _');
  if (!NAME.test(job.pond)) throw fail('pond', 'must be lower-case letters, digits and _');
  try {
    new Cron(job.schedule, { paused: true, timezone: 'UTC' }).stop();
  } catch (err) {
    throw fail('schedule', `"${job.schedule}" is not a cron expression: ${(err as Error).message}`);
  }
  if (job.inputs.length === 0) throw fail('inputs', 'must name at least one lake table');
  for (const t of job.inputs)
    if (!(LAKE_TABLES as readonly string[]).includes(t))
      throw fail('inputs', `"${t}" is not a lake table`);
  for (const [field, v] of [
    ['partitionColumn', job.partitionColumn],
    ['incrementalKey', job.incrementalKey],
  ] as const)
    if (!NAME.test(v)) throw fail(field, 'must be a plain column name');
  if (!Number.isInteger(job.lateDays) || job.lateDays < 0 || job.lateDays > 31)
    throw fail('lateDays', 'must be an integer between 0 and 31');
  return job;
}

/** SQL expression of the output partition value of an input row. */
export function partitionKeyExpr(job: JobDefinition): string {
  return job.grain === 'day'
    ? `CAST(${job.incrementalKey} AS DATE)`
    : `CAST(date_trunc('week', ${job.incrementalKey}) AS DATE)`;
}

/** Days an output partition spans (1 or 7). */
export function grainDays(grain: PondGrain): number {
  return grain === 'day' ? 1 : 7;
}

/**
 * A short hash of what decides a job's output rows and columns (its SQL, inputs,
 * partitioning and lateness; not its schedule or description). The runner records it with
 * each watermark, so that a changed definition rebuilds every partition (job-runner.ts).
 */
export function definitionVersion(job: JobDefinition): string {
  const decides = [
    job.sql,
    [...job.inputs].sort(),
    job.partitionColumn,
    job.grain,
    job.incrementalKey,
    job.lateDays,
  ];
  return createHash('sha256').update(JSON.stringify(decides)).digest('hex').slice(0, 12);
}
