/**
 * Row-store tables of the ETL jobs, applied by the serving `migrate()` helper. Versions
 * 7001+ are reserved for ETL so they never collide with other modules' migrations.
 */
import type { Migration } from '../sql/migration.js';

export const ETL_MIGRATIONS: readonly Migration[] = [
  {
    version: 7001,
    name: 'etl runs, watermarks, slots, leases and ponds',
    sql: `
-- One row per attempt of a job run.
CREATE TABLE etl_runs (
  id                bigserial   PRIMARY KEY,
  job               text        NOT NULL,
  kind              text        NOT NULL, -- manual | scheduled | backfill
  slot              text,                 -- the cron slot of a scheduled run (ISO instant)
  attempt           integer     NOT NULL,
  started_at        timestamptz NOT NULL DEFAULT now(),
  ended_at          timestamptz,
  status            text        NOT NULL, -- running | succeeded | failed
  input_partitions  jsonb       NOT NULL DEFAULT '[]', -- lake partition keys read as changed
  output_partitions jsonb       NOT NULL DEFAULT '[]', -- output partition values rewritten
  rows_out          bigint      NOT NULL DEFAULT 0,
  bytes_out         bigint      NOT NULL DEFAULT 0,
  error             text,
  runner            text        NOT NULL DEFAULT ''
);
CREATE INDEX etl_runs_job ON etl_runs (job, id DESC);

-- Fingerprint of each lake partition as of the last successful run of a job.
CREATE TABLE etl_watermarks (
  job            text NOT NULL,
  partition_key  text NOT NULL,
  fingerprint    text NOT NULL,
  PRIMARY KEY (job, partition_key)
);

-- Cron slots claimed by a scheduler: a slot runs at most once across every process.
CREATE TABLE etl_slots (
  job         text        NOT NULL,
  slot        text        NOT NULL,
  claimed_by  text        NOT NULL,
  claimed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job, slot)
);

-- One run of a job at a time: a lease that expires if its holder dies.
CREATE TABLE etl_leases (
  job         text        PRIMARY KEY,
  owner       text        NOT NULL,
  expires_at  timestamptz NOT NULL
);

-- The pond catalog: schema, partition column and location of each pond and customer table.
CREATE TABLE etl_tables (
  name              text        PRIMARY KEY, -- pond name, or customers/<customer>/<table>
  kind              text        NOT NULL,    -- pond | customer
  location          text        NOT NULL,    -- relative to the lake root
  partition_column  text,
  columns           jsonb       NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 7002,
    name: 'etl operations started through the admin API',
    sql: `
-- One row per run or backfill started through the admin API (the Console, the CLI beside
-- up): its progress, written by the process running it, read by every process on the store.
CREATE TABLE etl_operations (
  seq           bigserial   UNIQUE,               -- insertion order: newest first
  id            text        PRIMARY KEY,
  job           text        NOT NULL,
  kind          text        NOT NULL,             -- run | backfill
  from_day      text,                             -- a backfill's first and last day
  to_day        text,
  total         integer     NOT NULL,
  done          integer     NOT NULL DEFAULT 0,
  rows_out      bigint      NOT NULL DEFAULT 0,
  status        text        NOT NULL,             -- running | succeeded | failed
  step          text,
  message       text,
  error         text,
  started_at    timestamptz NOT NULL,
  ended_at      timestamptz,
  owner         text        NOT NULL,             -- runner id of the process running it
  heartbeat_at  timestamptz NOT NULL DEFAULT now() -- refreshed by that process while it runs
);
CREATE INDEX etl_operations_running ON etl_operations (heartbeat_at) WHERE status = 'running';
`,
  },
];
