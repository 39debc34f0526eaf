/**
 * The ponds Faresight builds out of the box. Each is a SQL file in `ponds/` plus its
 * definition; `defaultPondJobs()` reads the files each time it is called (no module state).
 */
import { readFileSync } from 'node:fs';
import { type JobDefinition, validateJob } from './job.js';

/** Names of the default ponds. */
export const DEFAULT_PONDS = [
  'market_demand_daily',
  'airport_demand_weekly',
  'fare_trends',
  'carrier_share',
] as const;
export type DefaultPond = (typeof DEFAULT_PONDS)[number];

/** Lateness allowed to records by default (days between shoppedAt and receivedAt). */
export const DEFAULT_LATE_DAYS = 2;

type Shape = Omit<JobDefinition, 'name' | 'pond' | 'sql' | 'lateDays'>;

const SHAPES: Record<DefaultPond, Shape> = {
  market_demand_daily: {
    description: 'searches per market and shopping day, by pos, cabin, trip type and lead time',
    schedule: '*/5 * * * *',
    inputs: ['searches', 'offers'],
    partitionColumn: 'shop_date',
    grain: 'day',
    incrementalKey: 'shopped_at',
    marketColumn: 'market',
    posColumn: 'pos',
  },
  airport_demand_weekly: {
    description: 'weekly airport scorecard: outbound/inbound searches, top markets, business share',
    schedule: '*/15 * * * *',
    inputs: ['searches'],
    partitionColumn: 'week',
    grain: 'week',
    incrementalKey: 'shopped_at',
  },
  fare_trends: {
    description: 'min, p25 and median fare per market, departure week and lead time, per currency',
    schedule: '*/5 * * * *',
    inputs: ['offers'],
    partitionColumn: 'shop_date',
    grain: 'day',
    incrementalKey: 'shopped_at',
    marketColumn: 'market',
    posColumn: 'pos',
  },
  carrier_share: {
    description: "each carrier's share of offers and of cheapest offers per market",
    schedule: '*/10 * * * *',
    inputs: ['offers'],
    partitionColumn: 'shop_date',
    grain: 'day',
    incrementalKey: 'shopped_at',
    marketColumn: 'market',
    posColumn: 'pos',
  },
};

/**
 * The default pond jobs, with `schedules` (job name to cron, from config `etl.schedules`)
 * overriding their own schedules. Throws JobDefinitionError for a bad override.
 */
export function defaultPondJobs(schedules: Readonly<Record<string, string>> = {}): JobDefinition[] {
  return DEFAULT_PONDS.map((name) =>
    validateJob({
      ...SHAPES[name],
      name,
      pond: name,
      lateDays: DEFAULT_LATE_DAYS,
      schedule: schedules[name] ?? SHAPES[name].schedule,
      sql: readFileSync(new URL(`./ponds/${name}.sql`, import.meta.url), 'utf8'),
    }),
  );
}
