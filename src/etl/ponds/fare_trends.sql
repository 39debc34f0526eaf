-- Fare levels per shopping day, market, point of sale, cabin, trip type, departure week
-- (Monday) and lead-time bucket, separately per currency (fares in different currencies
-- are never mixed). Quantiles are discrete: a fare that was actually offered.
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
  count(*) AS offers,
  min(total_amount) AS min_fare,
  quantile_disc(total_amount, 0.25) AS p25_fare,
  quantile_disc(total_amount, 0.5) AS median_fare
FROM offers
GROUP BY ALL
