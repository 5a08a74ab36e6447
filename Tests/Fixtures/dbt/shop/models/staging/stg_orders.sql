-- With --vars 'fail_orders: true' this model fails (no such column), for the tests of a failed dbt run:
-- customer_ltv, downstream of it, is then skipped.
select id as order_id, customer_id, amount
from {{ source('shop', 'raw_orders') }}
{% if var('fail_orders', false) %}where no_such_column = 1{% endif %}
