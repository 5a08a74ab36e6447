-- Ecommerce: lifetime value and churn risk per customer, from orders.
-- key: user_id
-- source: demo
-- schedule: hourly
-- max_removed: 5%
SELECT
  user_id,
  ROUND(SUM(order_total), 2) AS lifetime_value,
  CASE WHEN MAX(order_date) < DATE('now', '-90 days') THEN 'high' ELSE 'low' END AS churn_risk
FROM orders
GROUP BY user_id;
