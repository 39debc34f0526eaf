-- Airport scorecard per shopping week (Monday, UTC): searches leaving the airport
-- (outbound) and arriving at it (inbound), the business/leisure split of all of them, and
-- the five busiest markets touching the airport.
--
-- Business heuristic (a search is "business" when all hold, else "leisure"):
--   party size: exactly one adult, no children or infants;
--   lead time: departure less than 21 days after the shopping day;
--   for round trips, stay length: at most 5 days;
--   for round trips, no Saturday-night stay: no Saturday in [departure, return).
-- One-way and multi-city searches are judged on party size and lead time only.
WITH s AS (
  SELECT
    CAST(date_trunc('week', shopped_at) AS DATE) AS week,
    origin,
    destination,
    market,
    CASE
      WHEN adults = 1 AND children + infants = 0
        AND departure_date - CAST(shopped_at AS DATE) < 21
        AND (trip_type <> 'roundtrip' OR return_date IS NULL OR (
          return_date - departure_date <= 5
          AND (6 - dayofweek(departure_date) + 7) % 7 >= return_date - departure_date))
      THEN 'business'
      ELSE 'leisure'
    END AS segment
  FROM searches
),
dirs AS (
  SELECT week, origin AS airport, 'outbound' AS direction, market, segment FROM s
  UNION ALL
  SELECT week, destination AS airport, 'inbound' AS direction, market, segment FROM s
),
totals AS (
  SELECT
    week,
    airport,
    count(*) FILTER (WHERE direction = 'outbound') AS outbound_searches,
    count(*) FILTER (WHERE direction = 'inbound') AS inbound_searches,
    count(*) FILTER (WHERE segment = 'business') AS business_searches,
    count(*) FILTER (WHERE segment = 'leisure') AS leisure_searches
  FROM dirs
  GROUP BY week, airport
),
per_market AS (
  SELECT week, airport, market, count(*) AS n FROM dirs GROUP BY week, airport, market
),
top AS (
  SELECT week, airport, list(market ORDER BY n DESC, market)[1:5] AS top_markets
  FROM per_market
  GROUP BY week, airport
)
SELECT
  t.week,
  t.airport,
  t.outbound_searches,
  t.inbound_searches,
  t.business_searches,
  t.leisure_searches,
  CAST(t.business_searches AS DOUBLE) / (t.business_searches + t.leisure_searches) AS business_share,
  top.top_markets
FROM totals t
JOIN top USING (week, airport)
