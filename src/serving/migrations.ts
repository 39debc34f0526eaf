/**
 * The row store schema, as numbered migrations applied in order and recorded in
 * `schema_migrations`. One dialect for PGlite and PostgreSQL. Never edit a released
 * migration: add the next number.
 */
import type { Migration } from '../sql/migration.js';

/**
 * Stored in `return_date` for one-way fares, so that the date can be part of the
 * primary key (a NULL cannot be). Never a real return date.
 */
export const ONE_WAY_RETURN_DATE = '0001-01-01';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'cheapest fares and markets',
    sql: `
-- Cheapest fare seen per trip, point of sale, cabin, validating carrier, stop count and
-- currency. Currency is part of the key: fares in different currencies are never compared.
CREATE TABLE cheapest_fares (
  origin          text        NOT NULL,
  destination     text        NOT NULL,
  departure_date  date        NOT NULL,
  return_date     date        NOT NULL, -- '${ONE_WAY_RETURN_DATE}' for one-way
  pos             text        NOT NULL, -- '' when the point of sale is unknown
  cabin           text        NOT NULL,
  carrier         text        NOT NULL, -- validating carrier
  stops           smallint    NOT NULL, -- most stops of any leg
  currency        text        NOT NULL,
  amount          numeric     NOT NULL, -- total for all passengers, major units
  seen_at         timestamptz NOT NULL, -- receivedAt of the search that had it
  vendor          text        NOT NULL,
  search_id       text        NOT NULL,
  PRIMARY KEY (origin, destination, departure_date, return_date, pos, cabin, carrier, stops, currency)
);
CREATE INDEX cheapest_fares_departure_date ON cheapest_fares (departure_date);

-- Search volume per market. searches counts distinct search ids (see market_searches).
CREATE TABLE markets (
  origin       text        NOT NULL,
  destination  text        NOT NULL,
  searches     bigint      NOT NULL,
  first_seen   timestamptz NOT NULL,
  last_seen    timestamptz NOT NULL,
  PRIMARY KEY (origin, destination)
);
CREATE INDEX markets_busiest ON markets (searches DESC, origin, destination);

-- Search ids already counted in markets.searches, so that a replayed or duplicated
-- search is not counted twice. Kept for longer than the stream retention (a replay can
-- only reach that far back), then pruned by received_at.
CREATE TABLE market_searches (
  origin       text        NOT NULL,
  destination  text        NOT NULL,
  search_id    text        NOT NULL,
  received_at  timestamptz NOT NULL,
  PRIMARY KEY (origin, destination, search_id)
);
CREATE INDEX market_searches_received_at ON market_searches (received_at);
`,
  },
  {
    version: 2,
    name: 'leg times, daily price summary, route graph',
    sql: `
-- Local date-times of the outbound leg's first departure and last arrival of the kept
-- fare (NULL for rows written before this migration). The route graph joins separately
-- ticketed one-way fares on them: arrival and onward departure are at the same airport,
-- so their local times compare without time zones.
ALTER TABLE cheapest_fares ADD COLUMN depart_at timestamp, ADD COLUMN arrive_at timestamp;
CREATE INDEX cheapest_fares_oneway ON cheapest_fares (origin, currency, departure_date)
  WHERE return_date = '${ONE_WAY_RETURN_DATE}';

-- Daily price summary per market, departure date, trip kind, cabin and currency, derived
-- from the kept cheapest fares: a view, so it is as idempotent as the table it reads.
CREATE VIEW daily_price_summary AS
SELECT origin, destination, departure_date,
       CASE WHEN return_date = '${ONE_WAY_RETURN_DATE}' THEN 'oneway' ELSE 'roundtrip' END AS trip_type,
       cabin, currency, min(amount) AS min_amount, avg(amount) AS avg_amount,
       max(amount) AS max_amount, count(*) AS fares, max(seen_at) AS last_seen
FROM cheapest_fares
GROUP BY origin, destination, departure_date, trip_type, cabin, currency;

-- The route graph's edges: one per market and currency with the cheapest current one-way
-- fare (and its date and carrier), the carriers seen, and the market's search volume.
-- Vertices are the airports at either end of an edge or of a market.
CREATE VIEW route_edges AS
SELECT f.origin, f.destination, f.currency, f.amount, f.departure_date, f.carrier,
       c.carriers, coalesce(m.searches, 0) AS searches, coalesce(m.last_seen, c.last_seen) AS last_seen
FROM (
  SELECT DISTINCT ON (origin, destination, currency) origin, destination, currency, amount,
         departure_date, carrier
  FROM cheapest_fares WHERE return_date = '${ONE_WAY_RETURN_DATE}'
  ORDER BY origin, destination, currency, amount, departure_date, carrier COLLATE "C"
) f
JOIN (
  SELECT origin, destination, string_agg(DISTINCT carrier, ';' ORDER BY carrier) AS carriers,
         max(seen_at) AS last_seen
  FROM cheapest_fares GROUP BY origin, destination
) c ON c.origin = f.origin AND c.destination = f.destination
LEFT JOIN markets m ON m.origin = f.origin AND m.destination = f.destination;
`,
  },
  {
    version: 3,
    name: 'market fares index for GET /v1/markets',
    sql: `
-- GET /v1/markets counts each listed market's fares and takes their cheapest per
-- currency. Through the primary key that visited every fare row in the heap: 50-80 ms for
-- 50-100 markets of about 480 fares each, 38 minutes into the demo, on PGlite. From this
-- index alone (an index-only scan) it took 16-29 ms (docs/benchmarks.md).
CREATE INDEX cheapest_fares_market_currency ON cheapest_fares (origin, destination, currency)
  INCLUDE (amount);
`,
  },
  {
    version: 4,
    name: 'fares per market and currency, kept by triggers, for GET /v1/markets',
    sql: `
-- GET /v1/markets read each listed market's fares to count them and take their cheapest
-- per currency: 8-12 ms for 50 markets on PGlite 6 minutes into the demo, 16-29 ms 38
-- minutes in, even from the index of migration 3, and growing with the fares kept. Now
-- their count and cheapest are kept per market and currency, by statement triggers on
-- cheapest_fares (every writer, the prune's deletes and hand-written statements
-- included), and the read takes one row per listed market and currency.
CREATE TABLE market_fares (
  origin      text    NOT NULL,
  destination text    NOT NULL,
  currency    text    NOT NULL,
  offers      bigint  NOT NULL,
  min_amount  numeric NOT NULL,
  PRIMARY KEY (origin, destination, currency)
);
INSERT INTO market_fares
SELECT origin, destination, currency, count(*), min(amount) FROM cheapest_fares
GROUP BY origin, destination, currency;

-- The cheapest fare of a market and currency, from the index, for the triggers below.
DROP INDEX cheapest_fares_market_currency;
CREATE INDEX cheapest_fares_market_currency_amount
  ON cheapest_fares (origin, destination, currency, amount);

-- Inserted fares: counted, and their cheapest kept if lower. Rows in key order, the
-- order in which the fares' own rows were locked.
CREATE FUNCTION market_fares_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO market_fares AS m (origin, destination, currency, offers, min_amount)
  SELECT origin, destination, currency, count(*), min(amount) FROM inserted_fares
  GROUP BY origin, destination, currency
  ORDER BY origin COLLATE "C", destination COLLATE "C", currency COLLATE "C"
  ON CONFLICT (origin, destination, currency) DO UPDATE SET
    offers = m.offers + excluded.offers,
    min_amount = least(m.min_amount, excluded.min_amount);
  RETURN NULL;
END $fn$;

-- Updated or deleted fares: each market and currency they were or are in is counted
-- again by the difference, and its cheapest read from the index (a raised or deleted
-- cheapest fare leaves another one the cheapest); none left, none kept.
CREATE FUNCTION market_fares_recount(changes jsonb) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  -- locked in key order first, like the inserts
  PERFORM 1 FROM market_fares m
  WHERE (m.origin, m.destination, m.currency) IN (
    SELECT c->>'o', c->>'d', c->>'c' FROM jsonb_array_elements(changes) c)
  ORDER BY m.origin COLLATE "C", m.destination COLLATE "C", m.currency COLLATE "C"
  FOR UPDATE;
  INSERT INTO market_fares AS m (origin, destination, currency, offers, min_amount)
  SELECT c->>'o', c->>'d', c->>'c', (c->>'n')::bigint, 0 FROM jsonb_array_elements(changes) c
  WHERE (c->>'n')::bigint <> 0 -- an upsert's updates move no fare to another key
  ON CONFLICT (origin, destination, currency) DO UPDATE SET offers = m.offers + excluded.offers;
  UPDATE market_fares m SET min_amount = coalesce((
    SELECT min(f.amount) FROM cheapest_fares f
    WHERE f.origin = m.origin AND f.destination = m.destination AND f.currency = m.currency
  ), 0)
  WHERE (m.origin, m.destination, m.currency) IN (
    SELECT c->>'o', c->>'d', c->>'c' FROM jsonb_array_elements(changes) c);
  DELETE FROM market_fares m
  WHERE m.offers <= 0 AND (m.origin, m.destination, m.currency) IN (
    SELECT c->>'o', c->>'d', c->>'c' FROM jsonb_array_elements(changes) c);
END $fn$;

CREATE FUNCTION market_fares_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM market_fares_recount(coalesce((
    SELECT jsonb_agg(jsonb_build_object('o', origin, 'd', destination, 'c', currency, 'n', n))
    FROM (
      SELECT origin, destination, currency, sum(n) AS n FROM (
        SELECT origin, destination, currency, 1 AS n FROM new_fares
        UNION ALL SELECT origin, destination, currency, -1 FROM old_fares
      ) d GROUP BY origin, destination, currency
    ) k), '[]'));
  RETURN NULL;
END $fn$;

CREATE FUNCTION market_fares_deleted() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM market_fares_recount(coalesce((
    SELECT jsonb_agg(jsonb_build_object('o', origin, 'd', destination, 'c', currency, 'n', -n))
    FROM (
      SELECT origin, destination, currency, count(*) AS n FROM deleted_fares
      GROUP BY origin, destination, currency
    ) k), '[]'));
  RETURN NULL;
END $fn$;

CREATE TRIGGER market_fares_inserted AFTER INSERT ON cheapest_fares
  REFERENCING NEW TABLE AS inserted_fares
  FOR EACH STATEMENT EXECUTE FUNCTION market_fares_inserted();
CREATE TRIGGER market_fares_updated AFTER UPDATE ON cheapest_fares
  REFERENCING OLD TABLE AS old_fares NEW TABLE AS new_fares
  FOR EACH STATEMENT EXECUTE FUNCTION market_fares_updated();
CREATE TRIGGER market_fares_deleted AFTER DELETE ON cheapest_fares
  REFERENCING OLD TABLE AS deleted_fares
  FOR EACH STATEMENT EXECUTE FUNCTION market_fares_deleted();

CREATE FUNCTION market_fares_truncated() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM market_fares;
  RETURN NULL;
END $fn$;
CREATE TRIGGER market_fares_truncated AFTER TRUNCATE ON cheapest_fares
  FOR EACH STATEMENT EXECUTE FUNCTION market_fares_truncated();
`,
  },
  {
    version: 5,
    name: "market_fares: a market's row rewritten only when its cheapest changed",
    sql: `
-- Migration 4's recount set min_amount on every market and currency an update or delete
-- touched, so a fare lowered to a price above its market's cheapest (most updates) wrote a
-- new version of the market's row for nothing: dead rows for the vacuum, and WAL. Now the
-- row is written only when its cheapest differs, as text, so that 300 and 300.00 are two.
CREATE OR REPLACE FUNCTION market_fares_recount(changes jsonb) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  -- locked in key order first, like the inserts
  PERFORM 1 FROM market_fares m
  WHERE (m.origin, m.destination, m.currency) IN (
    SELECT c->>'o', c->>'d', c->>'c' FROM jsonb_array_elements(changes) c)
  ORDER BY m.origin COLLATE "C", m.destination COLLATE "C", m.currency COLLATE "C"
  FOR UPDATE;
  INSERT INTO market_fares AS m (origin, destination, currency, offers, min_amount)
  SELECT c->>'o', c->>'d', c->>'c', (c->>'n')::bigint, 0 FROM jsonb_array_elements(changes) c
  WHERE (c->>'n')::bigint <> 0 -- an upsert's updates move no fare to another key
  ON CONFLICT (origin, destination, currency) DO UPDATE SET offers = m.offers + excluded.offers;
  UPDATE market_fares m SET min_amount = s.min_amount
  FROM (
    SELECT k.o, k.d, k.c, coalesce((
      SELECT min(f.amount) FROM cheapest_fares f
      WHERE f.origin = k.o AND f.destination = k.d AND f.currency = k.c
    ), 0) AS min_amount
    FROM (SELECT DISTINCT c->>'o' AS o, c->>'d' AS d, c->>'c' AS c
          FROM jsonb_array_elements(changes) c) k
  ) s
  WHERE m.origin = s.o AND m.destination = s.d AND m.currency = s.c
    AND m.min_amount::text IS DISTINCT FROM s.min_amount::text;
  DELETE FROM market_fares m
  WHERE m.offers <= 0 AND (m.origin, m.destination, m.currency) IN (
    SELECT c->>'o', c->>'d', c->>'c' FROM jsonb_array_elements(changes) c);
END $fn$;
`,
  },
];
