import SyncCore

/// The store's schema version and migrations, the same steps on both engines: `meta` records
/// the version and the runs table's fields; each engine's DDL is its `migrations`.
extension SQLStore {
    /// Whether the store's schema is this binary's: its migrations and its runs table's fields.
    /// Only reads, so a reader of a current store takes no lock.
    package static func isCurrent(_ database: Database) throws -> Bool {
        guard try schemaVersion(database) == Database.migrations.count else { return false }
        let fields = try database.first(
            "SELECT value FROM \(database.dialect.table(.meta)) WHERE key = 'run_fields'"
        ) { $0.text(0) }
        return fields == RunRecord.fieldsFingerprint
    }

    /// The schema version the store records, 0 for a new store.
    package static func schemaVersion(_ database: Database) throws -> Int {
        guard try database.tableExists(.meta) else { return 0 }
        let version = try database.first(
            "SELECT value FROM \(database.dialect.table(.meta)) WHERE key = 'schema_version'"
        ) { $0.text(0) }
        return version.flatMap { Int($0) } ?? 0
    }

    /// Makes the store current: a current one is only read; a newer one is refused before anything
    /// is tried; an older one is migrated.
    /// - Throws: `StoreError` (code `schema`) when the store is newer than this binary, or needs
    ///   migrating and this connection may not.
    package static func makeCurrent(_ database: Database) throws {
        if try isCurrent(database) { return }
        let version = try schemaVersion(database)
        guard version <= Database.migrations.count else { throw newer(database, version) }
        let refused =
            "the store \(database.name) is at schema version \(version) and this warehouse-sync needs "
            + "\(Database.migrations.count); migrating it was refused: "
        do {
            try migrate(database)
        } catch let error as StoreError where error.sqlState == "42501" || error.sqlState == "25006" {
            throw StoreError(
                refused + error.message,
                hint: "open it once as a user or role that may change the store (its owner), then readers with "
                    + "fewer rights can read it", code: .schema)
        } catch let error as StoreError where error.sqlState == "2BP01" {
            // PostgreSQL names one dependent object; the reader may have several.
            let views = (try? database.readerViews().keys.sorted()) ?? []
            throw StoreError(
                refused + error.message
                    + (views.isEmpty ? "" : "; views of the store's tables: " + views.joined(separator: ", ")),
                hint: readerViewHint, code: .schema)
        } catch let error as StoreError where error.code == .file && error.isTransient {
            // A full disk: the store is as it was, and only room for the migration's copy helps.
            throw StoreError(
                refused + error.message,
                hint: StoreError.fullDiskHint(isFile: database.isFile)
                    + ": a migration that copies a table needs about the store's size free (docs/operations.md, "
                    + "upgrading); nothing was changed, run warehouse-sync again once there is room",
                transient: true, code: .file)
        } catch let error as StoreError where error.sqlState == "55P03" {
            let holders = (try? database.lockHolders()) ?? []
            throw StoreError(
                refused + "other sessions held locks on its tables too long"
                    + (holders.isEmpty ? "" : ": " + holders.joined(separator: "; ")),
                hint: "end those sessions' transactions (a session idle in a transaction keeps its locks until it "
                    + "ends), then run warehouse-sync again; nothing was changed", transient: true, code: .schema)
        }
    }

    /// What to do about a view of the reader's own that a migration would break.
    private static var readerViewHint: String {
        "a view of your own reads a table or column this version changes: rebuild it on the documented views "
            + "(the changes view keeps each change's run, model and time; docs/operations.md) or drop it, then "
            + "run warehouse-sync again; nothing was changed"
    }

    private static func newer(_ database: Database, _ version: Int) -> StoreError {
        StoreError(
            "the store \(database.name) has schema version \(version), newer than this warehouse-sync knows "
                + "(\(Database.migrations.count))", hint: "upgrade warehouse-sync", code: .schema)
    }

    /// Migrates a store behind this binary's schema in one transaction, under the engine's
    /// migration lock; a store another process migrated meanwhile is left as it is.
    /// - Throws: `StoreError` (code `schema`) when the store is newer than this binary.
    package static func migrate(_ database: Database) throws {
        let d = database.dialect
        let steps = Database.migrations
        try database.beginMigration()
        do {
            try database.runScript(
                "CREATE TABLE IF NOT EXISTS \(d.table(.meta)) (key text PRIMARY KEY, value text NOT NULL)")
            let version = try schemaVersion(database)
            guard version <= steps.count else { throw newer(database, version) }
            let viewsBefore = try database.readerViews()
            for step in steps.dropFirst(version) { try database.runScript(step) }
            let broken = try database.readerViews().filter { !$0.value && viewsBefore[$0.key] == true }.keys.sorted()
            guard broken.isEmpty else {
                throw StoreError(
                    "the store \(database.name) is at schema version \(version) and migrating it to version "
                        + "\(steps.count) would break these views of its tables: \(broken.joined(separator: ", "))",
                    hint: readerViewHint, code: .schema)
            }
            try addMissingRunColumns(database)
            try setMeta(database, "schema_version", String(steps.count))
            try database.commitTransaction()
        } catch {
            database.rollback()
            throw error
        }
    }

    /// Adds a column to the runs table for each run field it lacks (`RunRecord.fields` grew).
    private static func addMissingRunColumns(_ database: Database) throws {
        let present = try database.columns(of: .runs)
        for field in RunRecord.fields where !present.contains(field.name) {
            try database.runScript(
                "ALTER TABLE \(database.dialect.table(.runs)) ADD COLUMN \(field.name) "
                    + database.dialect.columnType(field.kind))
        }
        try setMeta(database, "run_fields", RunRecord.fieldsFingerprint)
    }

    private static func setMeta(_ database: Database, _ key: String, _ value: String) throws {
        let d = database.dialect
        try database.run(
            "INSERT INTO \(d.table(.meta)) (key, value) VALUES (\(d.param(1)), \(d.param(2))) "
                + "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [.text(key), .text(value)])
    }
}
