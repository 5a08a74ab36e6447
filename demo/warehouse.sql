-- The embedded demo warehouse: deterministic generated data (no random()), so every machine
-- builds the same file. 5,000 customers, 25,000 orders, 8,000 insurance policies.
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
BEGIN;
DROP TABLE IF EXISTS customers;
DROP TABLE IF EXISTS orders;
DROP TABLE IF EXISTS policies;
CREATE TABLE customers (user_id TEXT PRIMARY KEY, email TEXT NOT NULL, country TEXT NOT NULL,
  signup_date DATE NOT NULL);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, order_total DECIMAL(12,2) NOT NULL,
  order_date DATE NOT NULL);
CREATE TABLE policies (policy_id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, status TEXT NOT NULL,
  renewal_date DATE NOT NULL, risk_tier TEXT NOT NULL);

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO customers
SELECT printf('u%05d', i), printf('user%d@example.com', i),
       CASE i % 5 WHEN 0 THEN 'DE' WHEN 1 THEN 'US' WHEN 2 THEN 'IN' WHEN 3 THEN 'GB' ELSE 'BR' END,
       date('2023-01-01', '+' || ((i * 7) % 700) || ' days')
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000)
INSERT INTO orders
SELECT i, printf('u%05d', 1 + (i * 7919) % 5000), ((i * 2654435761) % 50000) / 100.0,
       date('2024-12-01', '+' || ((i * 40503) % 700) || ' days')
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8000)
INSERT INTO policies
SELECT i, printf('u%05d', 1 + (i * 104729) % 4500),
       CASE WHEN i % 4 = 0 THEN 'lapsed' ELSE 'active' END,
       date('2026-12-01', '+' || ((i * 31) % 365) || ' days'),
       CASE (i * 13) % 3 WHEN 0 THEN 'low' WHEN 1 THEN 'medium' ELSE 'high' END
FROM n;
COMMIT;
