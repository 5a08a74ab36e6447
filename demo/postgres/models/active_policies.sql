-- BFSI: active policies per customer, the next renewal and the highest risk tier (PostgreSQL, Redshift).
-- key: user_id
-- source: warehouse
-- schedule: daily at 02:00
-- timezone: Europe/Berlin
SELECT
  user_id,
  COUNT(policy_id) AS active_policies,
  MIN(renewal_date) AS next_renewal,
  MAX(CASE risk_tier WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END) AS risk_tier_rank
FROM policies
WHERE status = 'active'
GROUP BY user_id;
