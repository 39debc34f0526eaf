-- Per shopping day, market and point of sale, each validating carrier's share of all
-- offers and of the cheapest offers (the offers priced at the minimum of their search;
-- ties all count).
WITH o AS (
  SELECT
    CAST(shopped_at AS DATE) AS shop_date,
    market,
    coalesce(pos, '') AS pos,
    validating_carrier AS carrier,
    total_amount = min(total_amount) OVER (PARTITION BY search_id) AS is_cheapest
  FROM offers
),
g AS (
  SELECT
    shop_date,
    market,
    pos,
    carrier,
    count(*) AS offers,
    count(*) FILTER (WHERE is_cheapest) AS cheapest_offers
  FROM o
  GROUP BY ALL
)
SELECT
  shop_date,
  market,
  pos,
  carrier,
  offers,
  cheapest_offers,
  CAST(offers AS DOUBLE) / sum(offers) OVER w AS offer_share,
  CAST(cheapest_offers AS DOUBLE) / sum(cheapest_offers) OVER w AS cheapest_share
FROM g
WINDOW w AS (PARTITION BY shop_date, market, pos)
