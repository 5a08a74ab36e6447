import Foundation
import TestSupport

@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// A throwaway project whose source is the Snowflake emulator over the SQL API (a database of its own,
/// an OAuth token from the environment, or a key pair) and whose store is a SQLite file.
final class SnowflakeProject: EmulatorProject {
    let directory: URL
    let database: String
    /// The secrets of the source, from the environment as a project would take them.
    var environment = ["SF_TOKEN": "sf-oauth-Tok3n-9f2c1e7a", "SF_KEY_PASSPHRASE": "pp-7d1e4b0c-Qx"]

    init(auth: String = "token = \"${SF_TOKEN}\"") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-sf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("models"), withIntermediateDirectories: true)
        database = try TestSnowflake.freshDatabase("WS")
        try TestSnowflake.execute("CREATE SCHEMA IF NOT EXISTS \(database).WS_SCRATCH")
        try """
        [store]
        url = "sqlite:state.db"

        [sources.sf]
        kind = "snowflake"
        account_url = "\(try TestSnowflake.url())"
        account = "myorg-myaccount"
        user = "sync_reader"
        \(auth)
        warehouse = "SYNC_XS"
        database = "\(database)"
        schema = "PUBLIC"
        role = "SYNC_READER"
        scratch_schema = "WS_SCRATCH"
        statistics_lag = "0s"
        """.write(to: directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
    }

    /// Runs SQL in the project's database.
    func warehouse(_ sql: String) throws { try TestSnowflake.execute(sql, database: database) }

    var customersTable: String { "\(database).PUBLIC.customers" }

    func replaceCustomers(_ rows: String) throws {
        try warehouse("CREATE OR REPLACE TABLE CUSTOMERS (USER_ID VARCHAR, LTV NUMBER(12,2), RISK VARCHAR)")
        try warehouse("INSERT INTO CUSTOMERS VALUES \(rows)")
    }

    func dropRiskColumn() throws { try warehouse("ALTER TABLE CUSTOMERS DROP COLUMN RISK") }

    func model(_ name: String, _ text: String) throws {
        try ("-- source: sf\n" + text).write(
            to: directory.appendingPathComponent("models/\(name).sql"), atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}
