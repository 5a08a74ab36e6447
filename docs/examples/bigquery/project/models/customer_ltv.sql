-- key: user_id
-- source: bq
SELECT user_id, ltv, tier FROM analytics.customers
