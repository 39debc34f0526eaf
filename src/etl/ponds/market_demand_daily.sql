-- Searches per market and shopping day (UTC date of shopped_at), by point of sale, cabin,
-- trip type and lead-time bucket. The cabin of a search is the cabin of its first offer
-- ('unknown' for a search that returned none). Lead time = departure date - shopping day.
WITH cabin_of AS (
  SELECT search_id, arg_min(cabin, offer_index) AS cabin
  FROM offers
  GROUP BY search_id
)
SELECT
  CAST(s.shopped_at AS DATE) AS shop_date,
  s.market,
  s.origin,
  s.destination,
  coalesce(s.pos, '') AS pos,
  coalesce(c.cabin, 'unknown') AS cabin,
  s.trip_type,
  CASE
    WHEN s.departure_date - CAST(s.shopped_at AS DATE) < 7 THEN '00-06'
    WHEN s.departure_date - CAST(s.shopped_at AS DATE) < 14 THEN '07-13'
    WHEN s.departure_date - CAST(s.shopped_at AS DATE) < 30 THEN '14-29'
    WHEN s.departure_date - CAST(s.shopped_at AS DATE) < 60 THEN '30-59'
    WHEN s.departure_date - CAST(s.shopped_at AS DATE) < 120 THEN '60-119'
    ELSE '120+'
  END AS lead_time_bucket,
  count(DISTINCT s.id) AS searches,
  -- a sum() of integers is a HUGEINT, which Parquet would store as DOUBLE
  CAST(sum(s.adults + s.children + s.infants) AS BIGINT) AS passengers
FROM searches s
LEFT JOIN cabin_of c ON c.search_id = s.id
GROUP BY ALL
