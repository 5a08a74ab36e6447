select c.customer_id, c.email, sum(o.amount) as lifetime_value, count(*) as order_count
from {{ ref('stg_customers') }} c
join {{ ref('stg_orders') }} o on o.customer_id = c.customer_id
group by c.customer_id, c.email
