import Foundation

/// The example project `init` writes: the repository's warehouse-sync.toml and models/, and the
/// SQL that builds its embedded demo warehouse (demo/warehouse.sql). A test keeps these copies
/// equal to those files.
enum DemoProject {
    /// Each file of the project, by its path in the project.
    static let files: [(path: String, text: String)] = [
        (
            "warehouse-sync.toml",
            #"""
            # The example project: the models in models/ against the embedded demo warehouse
            # (scripts/demo.sh or warehouse-sync init builds it). Every setting: docs/project.md.

            [store]
            url = "sqlite:.warehouse-sync/state.db"

            [scheduler]
            timezone = "UTC"
            max_concurrent_runs = 2

            [sources.demo]
            kind = "sqlite"
            path = ".warehouse-sync/demo-warehouse.db"
            max_concurrent_runs = 1
            statement_timeout = "5m"
            """#
        ),
        (
            "models/lifetime_value.sql",
            #"""
            -- Ecommerce: lifetime value and churn risk per customer, from orders.
            -- key: user_id
            -- source: demo
            -- schedule: hourly
            -- max_removed: 5%
            SELECT
              user_id,
              ROUND(SUM(order_total), 2) AS lifetime_value,
              CASE WHEN MAX(order_date) < DATE('now', '-90 days') THEN 'high' ELSE 'low' END AS churn_risk
            FROM orders
            GROUP BY user_id;
            """#
        ),
        (
            "models/high_value.sql",
            #"""
            -- Segment: customers whose orders add up to more than 1,000. Members get high_value = true;
            -- a customer who drops below loses the trait.
            -- key: user_id
            -- source: demo
            -- kind: segment
            -- schedule: daily at 03:00
            SELECT user_id
            FROM orders
            GROUP BY user_id
            HAVING SUM(order_total) > 1000;
            """#
        ),
        (
            "models/active_policies.sql",
            #"""
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
            """#
        ),
    ]

    /// The demo warehouse's SQL (SQLite), run by `init` into .warehouse-sync/demo-warehouse.db.
    static let warehouseSQL = #"""
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
        """#
}
