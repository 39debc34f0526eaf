/**
 * The row store schema, as numbered migrations applied in order and recorded in
 * `schema_migrations`. One dialect for PGlite and PostgreSQL. Never edit a released
 * migration: add the next number.
 */

/** One schema change. `sql` may hold several statements. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

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
];
