-- BFSI: active policies per customer, the next renewal and the highest risk tier, for renewal
-- campaigns. (Grouping by user_id and risk_tier, as a first draft might, would give a customer
-- with two tiers two rows: WarehouseSync fails such a run and names the duplicated keys.)
-- key: user_id
-- source: demo
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
