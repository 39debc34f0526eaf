-- Fare levels per shopping day, market, point of sale, cabin, trip type, departure week
-- (Monday) and lead-time bucket, separately per currency (fares in different currencies
-- are never mixed). Quantiles are discrete: a fare that was actually offered, the one of
-- rank 1 + floor((n - 1) * q) among the group's n fares, as quantile_disc gives it. The
-- fares are ranked in a window, which DuckDB spills to disk beyond its memory limit:
-- quantile_disc holds every fare of every group in memory, about 1 GB for a day of
-- 26 million offers, whatever the limit.
WITH fares AS (
  SELECT
    CAST(shopped_at AS DATE) AS shop_date,
    market,
    origin,
    destination,
    coalesce(pos, '') AS pos,
    cabin,
    trip_type,
    CAST(date_trunc('week', departure_date) AS DATE) AS departure_week,
    CASE
      WHEN departure_date - CAST(shopped_at AS DATE) < 7 THEN '00-06'
      WHEN departure_date - CAST(shopped_at AS DATE) < 14 THEN '07-13'
      WHEN departure_date - CAST(shopped_at AS DATE) < 30 THEN '14-29'
      WHEN departure_date - CAST(shopped_at AS DATE) < 60 THEN '30-59'
      WHEN departure_date - CAST(shopped_at AS DATE) < 120 THEN '60-119'
      ELSE '120+'
    END AS lead_time_bucket,
    currency,
    total_amount
  FROM offers
),
ranked AS (
  SELECT
    *,
    row_number() OVER w AS fare_rank,
    count(total_amount) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS fares
  FROM fares
  WINDOW w AS (
    PARTITION BY shop_date, market, origin, destination, pos, cabin, trip_type,
      departure_week, lead_time_bucket, currency
    ORDER BY total_amount
  )
)
SELECT
  shop_date,
  market,
  origin,
  destination,
  pos,
  cabin,
  trip_type,
  departure_week,
  lead_time_bucket,
  currency,
  count(*) AS offers,
  min(total_amount) AS min_fare,
  min(total_amount) FILTER (WHERE fare_rank = 1 + floor((fares - 1) * 0.25)) AS p25_fare,
  min(total_amount) FILTER (WHERE fare_rank = 1 + floor((fares - 1) * 0.5)) AS median_fare
FROM ranked
GROUP BY ALL
