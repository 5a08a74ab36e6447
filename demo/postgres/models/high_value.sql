-- Segment: customers whose orders add up to more than 1,000 (PostgreSQL, Redshift).
-- key: user_id
-- source: warehouse
-- kind: segment
-- schedule: daily at 03:00
SELECT user_id
FROM orders
GROUP BY user_id
HAVING SUM(order_total) > 1000;
