-- key: customer_id
-- The mart's schema is dev_marts or prod_marts depending on dbt's target; the ref says neither.
SELECT customer_id::text AS customer_id, round(lifetime_value::numeric, 2) AS lifetime_value, order_count
FROM {{ ref('customer_ltv') }}
