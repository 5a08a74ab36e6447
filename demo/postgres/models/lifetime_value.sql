-- Ecommerce: lifetime value and churn risk per customer, from orders (PostgreSQL, Redshift).
-- key: user_id
-- source: warehouse
-- schedule: hourly
-- max_removed: 5%
SELECT
  user_id,
  SUM(order_total) AS lifetime_value,
  CASE WHEN MAX(order_date) < CURRENT_DATE - 90 THEN 'high' ELSE 'low' END AS churn_risk
FROM orders
GROUP BY user_id;
