-- key: user_id
-- source: sf
SELECT user_id, ltv, tier FROM customers
