-- key: customer_id
-- dim_customers is versioned: without v= the latest version (2) is read.
SELECT customer_id::text AS customer_id, tier
FROM {{ ref('dim_customers') }}
