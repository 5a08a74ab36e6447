-- Segment: customers whose orders add up to more than 1,000. Members get high_value = true;
-- a customer who drops below loses the trait.
-- key: user_id
-- source: demo
-- kind: segment
-- schedule: daily at 03:00
SELECT user_id
FROM orders
GROUP BY user_id
HAVING SUM(order_total) > 1000;
