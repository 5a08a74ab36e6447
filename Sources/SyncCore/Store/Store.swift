import Foundation

/// Where profiles, snapshots, runs and schedule state live: SQLite by default, PostgreSQL in
/// production. One store connection is used by one thread at a time.
public protocol Store: DeliveryStore {
    /// The trait names and row count of a model's last successful snapshot, nil before its first run.
    func snapshotInfo(model: String) throws -> SnapshotInfo?
    /// The store's own id (16 hex digits, made when the store was created or migrated), which
    /// keeps its scratch tables apart from another store's in one scratch schema (docs/warehouse-diff.md).
    func storeID() throws -> String
    /// Each model's trait names as of its last successful run: which model owns which trait.
    func traitNamesByModel() throws -> [String: [String]]
    /// The model's snapshot rows in byte order of their keys. With `deferringTraits`, the store may
    /// leave each row's traits out of the read (`SnapshotCursor.defersTraits`); the caller then asks
    /// for those it needs with `SnapshotCursor.traits(of:)` once the read has ended.
    func snapshotCursor(model: String, deferringTraits: Bool) throws -> any SnapshotCursor
    /// In one transaction: applies the run's changes to profiles and the snapshot, and records the
    /// run, finished at `run.finish()` taken after the writes. Returns the record as committed.
    func commit(_ run: RunCommit) throws -> RunRecord
    /// Records a run that writes nothing else (failed, blocked, skipped).
    func record(_ run: RunRecord) throws
    /// The newest runs first.
    func runs(model: String?, limit: Int) throws -> [RunRecord]
    /// The run with this id, nil if there is none.
    func run(id: String) throws -> RunRecord?
    func profile(key: String) throws -> ProfileRecord?
    /// The invalid rows a committed run kept (up to `RunCommit.invalidRowLimit`), in the order read.
    func invalidRows(run: String) throws -> [InvalidRow]
    /// Profiles with at least one trait, in the keys' byte order, that match `query` (docs/commands.md,
    /// `profiles`); their `sources` are left empty.
    func profiles(_ query: ProfileQuery) throws -> [ProfileRecord]
    func modelStates() throws -> [ModelState]

    /// Takes the model's run lease if no live holder has it; false if another holder does.
    func acquireLease(model: String, holder: String, ttl: Duration, now: Date) throws -> Bool
    func renewLease(model: String, holder: String, ttl: Duration, now: Date) throws
    func releaseLease(model: String, holder: String) throws
    /// Who holds the model's lease now, expired or not.
    func leaseHolder(model: String) throws -> String?
    /// Notes that the scheduler fired `model` for the due time `fireAt`.
    func recordFire(model: String, at fireAt: Date) throws
    func heartbeat(holder: String, at date: Date) throws
    func lastHeartbeat() throws -> Date?
    /// The change log's rows that match `query`, newest run first, then by key and trait.
    func changes(_ query: ChangeQuery) throws -> [ChangeRecord]
    /// Deletes the change-log rows of runs that finished before `cutoff`.
    /// - Returns: how many rows were deleted from the log's tables (an added profile's traits are
    ///   one row).
    @discardableResult func pruneChanges(before cutoff: Date) throws -> Int
    /// Puts back the old value of every trait run `request.target` changed, as a new run, in one
    /// transaction with the model's snapshot rows for those keys (restored so that the next sync
    /// diffs against the warehouse again). Refused (nothing written, `record` nil) when a later run
    /// changed one of the traits again, unless `force`.
    /// - Throws: `SyncError` (`.revertRefused`) when the run does not exist, did not succeed, or
    ///   its changes were pruned from the change log.
    func revert(_ request: RevertRequest) throws -> RevertOutcome

    /// Starts store upkeep that earlier runs left (SQLite: copying the write-ahead log into the
    /// file) in the background, so that it overlaps the run's warehouse query.
    func startCheckpoint()
}

extension Store {
    public func startCheckpoint() {}

    /// The model's snapshot rows in byte order of their keys, each with its traits.
    public func snapshotCursor(model: String) throws -> any SnapshotCursor {
        try snapshotCursor(model: model, deferringTraits: false)
    }
}

/// A model's snapshot header.
public struct SnapshotInfo: Sendable, Equatable {
    public var traitNames: [String]
    public var rows: Int
    /// The result's shape at the snapshot's run; nil for a snapshot written before schemas were kept.
    public var schema: ResultSchema?
    /// The run whose commit (or revert) last changed the snapshot; nil before schemas were kept.
    public var run: String?
    /// What that run read, for the skip rule (docs/cost.md); nil when it was not probed.
    public var sourceState: SourceState?
    /// The scratch table a `-- diff: warehouse` run left current (docs/warehouse-diff.md); nil after any other commit.
    public var scratch: ScratchState?

    public init(
        traitNames: [String], rows: Int, schema: ResultSchema? = nil, run: String? = nil,
        sourceState: SourceState? = nil, scratch: ScratchState? = nil
    ) {
        self.scratch = scratch
        self.traitNames = traitNames
        self.rows = rows
        self.schema = schema
        self.run = run
        self.sourceState = sourceState
    }
}

/// A forward-only read of a snapshot, ordered by key bytes.
public protocol SnapshotCursor {
    /// Moves to the next row; false at the end.
    func next() throws -> Bool
    var key: String { get }
    var hash: UInt64 { get }
    /// Compares the current row's key with `key`'s UTF-8 bytes: negative, zero or positive.
    func compareKey(to key: UnsafeRawBufferPointer) -> Int
    /// The row's canonical traits, read only when asked for; unavailable when `defersTraits`.
    func traits() -> EncodedTraits
    /// Whether the read leaves the traits out: those of the rows that need them (changed, removed)
    /// come from `traits(of:)` after the last row.
    var defersTraits: Bool { get }
    /// The traits of each of `keys` (at most `deferredTraitsBatch`, in key order), in the same order,
    /// asked for after `next()` returned false; nil for a key the snapshot lacks. Answered by position,
    /// not by `String` equality: two keys of different bytes can be equal Swift strings (é and e + ◌́).
    /// - Throws: `StoreError` when the store cannot read them.
    func traits(of keys: [String]) throws -> [EncodedTraits?]
    /// A second read of the same snapshot, with the traits, for when so many rows changed that one
    /// more pass costs less than looking each up; asked for after `next()` returned false, and
    /// closed before this cursor.
    /// - Throws: `StoreError` when the store cannot start it.
    func rereadWithTraits() throws -> any SnapshotCursor
    /// Ends the read; closing a closed cursor does nothing.
    func close()
}

/// How many keys' traits a deferred read asks for at once (`SnapshotCursor.traits(of:)`).
public let deferredTraitsBatch = 4096

extension SnapshotCursor {
    public var defersTraits: Bool { false }

    public func traits(of keys: [String]) throws -> [EncodedTraits?] {
        throw StoreError("this snapshot read does not defer its traits")
    }

    public func rereadWithTraits() throws -> any SnapshotCursor {
        throw StoreError("this snapshot read does not defer its traits")
    }
}

/// What `commit` writes.
public struct RunCommit {
    public var record: RunRecord
    public var traitNames: [String]
    /// The trait names of the model's previous snapshot, which the changes' old values are laid out by.
    public var previousTraitNames: [String]
    /// The snapshot's row count after this run.
    public var snapshotRows: Int
    /// The result's shape, kept with the snapshot for the next run's drift check (docs/drift-and-plans.md).
    public var schema: ResultSchema?
    /// What the run read, probed before its query, for the next run's skip rule (docs/cost.md).
    public var sourceState: SourceState?
    /// The scratch table this run made current (docs/warehouse-diff.md); nil for a client-side run, which makes
    /// the next warehouse-side run compare against the snapshot.
    public var scratch: ScratchState?
    package var changes: any ChangeSource
    /// The clock that stamps the run's end once its writes are done.
    package var finish: () -> Date
    /// Called inside the commit's transaction, once no other commit can change trait ownership,
    /// with every model's trait names; throws to refuse the commit.
    package var checkOwnership: (([String: [String]]) throws -> Void)?
    /// The model's destinations: each change is queued in the outbox for each, in the commit.
    public var destinations: [String] = []
    /// Called now and then while the changes are written, with how many are.
    public var onProgress: ((Int) -> Void)?
    /// Asked as often: true stops the commit, which then rolls back and writes nothing.
    public var isCancelled: (() -> Bool)?
    /// The rows read but not synced, up to `RunCommit.invalidRowLimit`, kept with the run.
    public var invalidRows: [InvalidRow] = []
    /// How many invalid rows a run keeps in the store (its `invalid` count has them all).
    public static let invalidRowLimit = 10_000
    /// Whether the run's changes go to the change log (`change_retention` is not 0).
    package var logChanges = true
    /// The lease this run holds; the commit is refused if the store says another holder has it
    /// (the run was paused past its lease, and a newer run may have written since).
    package var leaseHolder: String?
    /// Set for a commit that starts while the run still reads (a first sync, docs/how-it-works.md):
    /// called once every change is written, it gives the run's final record, snapshot row count,
    /// schema and invalid rows, or throws to roll everything back.
    package var settle: ((inout RunCommit) throws -> Void)?

    package init(
        record: RunRecord, traitNames: [String], previousTraitNames: [String] = [], snapshotRows: Int,
        changes: any ChangeSource, finish: @escaping () -> Date,
        checkOwnership: (([String: [String]]) throws -> Void)? = nil,
        leaseHolder: String?
    ) {
        self.record = record
        self.traitNames = traitNames
        self.previousTraitNames = previousTraitNames
        self.snapshotRows = snapshotRows
        self.changes = changes
        self.finish = finish
        self.checkOwnership = checkOwnership
        self.leaseHolder = leaseHolder
    }
}

extension StoreError {
    package static func leaseLost(model: String, holder: String?) -> StoreError {
        StoreError(
            "model \(model): the run lost its lease to \(holder ?? "nobody") before committing; nothing was written. "
                + "Rerun it: its changes will be computed again from the current snapshot", transient: true,
            code: .lease)
    }
}

/// A profile: its traits as one JSON object, and for each trait the model, run and time that set it.
/// Which profiles `profiles` lists: a key prefix, a trait the profile has (with a value, in
/// canonical JSON), the key to start after (the last one of the page before), and how many.
public struct ProfileQuery: Sendable, Equatable {
    public var keyPrefix: String?
    public var trait: String?
    /// Canonical JSON text (`"high"`, `1250.5`, `true`); nil lists every profile that has `trait`.
    public var value: String?
    public var after: String?
    public var limit: Int

    public init(
        keyPrefix: String? = nil, trait: String? = nil, value: String? = nil, after: String? = nil, limit: Int = 50
    ) {
        self.keyPrefix = keyPrefix
        self.trait = trait
        self.value = value
        self.after = after
        self.limit = limit
    }
}

public struct ProfileRecord: Sendable, Equatable {
    /// Which run set a trait, resolved from the run id the profile keeps.
    public struct TraitSource: Sendable, Equatable {
        public var model: String
        public var run: String
        public var at: String

        public init(model: String, run: String, at: String) {
            self.model = model
            self.run = run
            self.at = at
        }
    }

    public var key: String
    /// JSON object text, e.g. `{"lifetime_value":1250.5,"churn_risk":"low"}`.
    public var traitsJSON: String
    /// Trait → the run that last set it, with that run's model and end time.
    public var sources: [String: TraitSource]
    public var updatedAt: String

    public init(key: String, traitsJSON: String, sources: [String: TraitSource], updatedAt: String) {
        self.key = key
        self.traitsJSON = traitsJSON
        self.sources = sources
        self.updatedAt = updatedAt
    }
}

/// What the store knows of a model between runs.
public struct ModelState: Sendable, Equatable {
    public var model: String
    public var snapshotRows: Int
    public var lastRunID: String?
    public var lastSuccessAt: Date?
    public var lastFireAt: Date?
    public var leaseHolder: String?
    public var leaseExpiresAt: Date?

    public init(
        model: String, snapshotRows: Int, lastRunID: String?, lastSuccessAt: Date?, lastFireAt: Date?,
        leaseHolder: String?, leaseExpiresAt: Date?
    ) {
        self.model = model
        self.snapshotRows = snapshotRows
        self.lastRunID = lastRunID
        self.lastSuccessAt = lastSuccessAt
        self.lastFireAt = lastFireAt
        self.leaseHolder = leaseHolder
        self.leaseExpiresAt = leaseExpiresAt
    }
}

/// A failure of the store (never of a warehouse): what, where (the store's file or server) and
/// what to do, and whether trying again later may succeed.
public struct StoreError: ReportedError, Sendable, CustomStringConvertible {
    /// What went wrong, as an opaque code so cases can be added later.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The store's server could not be reached, or the connection was lost.
        public static let connection = Code(name: "connection")
        /// The store's file or directory cannot be created, read or written.
        public static let file = Code(name: "file")
        /// The store's URL or path is not one WarehouseSync can use.
        public static let location = Code(name: "location")
        /// The store's schema is newer than this binary.
        public static let schema = Code(name: "schema")
        /// The run lost its lease before committing.
        public static let lease = Code(name: "lease")
        /// The run was cancelled while its commit wrote; the transaction rolled back.
        public static let cancelled = Code(name: "cancelled")
        /// The store refused a statement (full, constraint).
        public static let statement = Code(name: "statement")
        /// Another connection held the SQLite store's write lock past the busy timeout.
        public static let busy = Code(name: "busy")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    public var hint: String?
    /// A lost connection, a server restarting, a busy store, a lost lease: a later try may succeed.
    /// A newer schema, a bad URL, a read-only file or a link never will.
    public var isTransient: Bool
    /// The SQLSTATE a PostgreSQL store's server refused the statement with (`2BP01`, `55P03`, ...);
    /// nil for a SQLite store and for errors of WarehouseSync's own.
    public var sqlState: String?

    public init(_ message: String, hint: String? = nil, transient: Bool = false, code: Code = .statement) {
        self.code = code
        self.message = message
        self.hint = hint
        self.isTransient = transient
    }

    public var description: String { message + (hint.map { "\n  hint: \($0)" } ?? "") }
    public var errorCode: String { ErrorCodes.code("store", code.name) }
}

/// What a profile's provenance holds for each trait a run set: the run's sequence number in the
/// runs table (`seq`), which gives its id, model and times. A number keeps profiles small.
package func provenanceJSON(runSeq: Int64) -> String { String(runSeq) }
