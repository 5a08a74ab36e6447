select customer_id, name, tier from {{ ref('stg_customers') }}
