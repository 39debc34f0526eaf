import type { Migration } from '../sql/migration.js';

/**
 * Row store tables of the analytics use cases (deals, demand forecasts), applied with
 * `migrate(client, ANALYTICS_MIGRATIONS)` beside the serving ones. Versions 8001+ so they
 * never collide with the serving migrations in the shared `schema_migrations` table.
 * Never edit a released migration: add the next number.
 */
export const ANALYTICS_MIGRATIONS: readonly Migration[] = [
  {
    version: 8001,
    name: 'deals and their sketches',
    sql: `
-- Offers labelled great or good against their segment (see src/analytics/deals).
CREATE TABLE deals (
  search_id       text             NOT NULL,
  offer_index     integer          NOT NULL,
  origin          text             NOT NULL,
  destination     text             NOT NULL,
  departure_date  date             NOT NULL,
  return_date     date,
  trip_type       text             NOT NULL,
  cabin           text             NOT NULL,
  carrier         text             NOT NULL,
  stops           smallint         NOT NULL,
  currency        text             NOT NULL,
  price           numeric          NOT NULL, -- per adult, major units
  typical_price   numeric          NOT NULL, -- segment median
  savings_pct     double precision NOT NULL,
  label           text             NOT NULL,
  segment         text             NOT NULL,
  fares           integer          NOT NULL, -- fares in the segment window
  explanation     text             NOT NULL,
  shopped_at      timestamptz      NOT NULL,
  vendor          text             NOT NULL,
  PRIMARY KEY (search_id, offer_index)
);
CREATE INDEX deals_market ON deals (origin, destination, shopped_at DESC);
CREATE INDEX deals_shopped_at ON deals (shopped_at);

-- Finest-level segment sketches per day (DDSketch protobuf, base64), with the stream
-- positions they include: the checkpoint of the deals use case.
CREATE TABLE deal_sketches (
  segment  text   NOT NULL,
  day      date   NOT NULL,
  sketch   text   NOT NULL,
  fares    bigint NOT NULL,
  PRIMARY KEY (segment, day)
);
CREATE TABLE deal_sketch_positions (
  shard     integer PRIMARY KEY,
  last_seq  bigint  NOT NULL
);
`,
  },
  {
    version: 8002,
    name: 'demand forecasts',
    sql: `
-- Daily search counts the forecast job used, and its forecasts, per market (JFK-LAX) and
-- per airport (searches from or to it).
CREATE TABLE demand_history (
  scope   text   NOT NULL, -- 'market' | 'airport'
  key     text   NOT NULL,
  day     date   NOT NULL,
  count   bigint NOT NULL,
  PRIMARY KEY (scope, key, day)
);
CREATE TABLE demand_forecasts (
  scope         text             NOT NULL,
  key           text             NOT NULL,
  day           date             NOT NULL,
  mean          double precision NOT NULL,
  lower80       double precision NOT NULL,
  upper80       double precision NOT NULL,
  lower95       double precision NOT NULL,
  upper95       double precision NOT NULL,
  model         text             NOT NULL,
  generated_at  timestamptz      NOT NULL,
  PRIMARY KEY (scope, key, day)
);
`,
  },
  {
    version: 8003,
    name: 'deals keyed by vendor',
    sql: `
-- A record is (vendor, id): two vendors' searches with the same id are two searches, so
-- their deals must not overwrite each other (8001 keyed deals on the id alone).
ALTER TABLE deals DROP CONSTRAINT deals_pkey;
ALTER TABLE deals ADD PRIMARY KEY (vendor, search_id, offer_index);
`,
  },
];
