select id as customer_id, name, email, tier
from {{ source('shop', 'raw_customers') }}
