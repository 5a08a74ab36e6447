import SyncCore

/// The second session a diff inside the warehouse runs on (docs/warehouse-diff.md), with the
/// options each kind of its statements runs under.
public struct ScratchConnection {
    public let session: any ScratchSession
    /// WarehouseSync's own statements (on PostgreSQL a fixed `search_path` and the session's own
    /// role, since a model's `set_config(..., false)` outlives its statement).
    public let own: QueryOptions
    /// The statement that runs the model's query.
    public let model: QueryOptions
    /// The statements that stream values: WarehouseSync's own, with the session's `search_path`
    /// as it was before the model ran (a `regclass` is spelled by it, as in a client-side run).
    public let stream: QueryOptions
    /// The warehouse's columns and types of a result, where the result table is created from them
    /// before the model runs (`WarehouseDiffDialect.resultKeyType`); nil otherwise.
    public let catalog: (any RoleCatalog)?
    /// Whether each statement runs in a session of its own (Snowflake's SQL API), so that a
    /// temporary table would be gone by the next statement: the result is then kept in a table of
    /// the scratch schema, dropped when the run ends.
    public let statementsOwnSession: Bool

    public init(
        session: any ScratchSession, own: QueryOptions, model: QueryOptions, stream: QueryOptions,
        catalog: (any RoleCatalog)? = nil, statementsOwnSession: Bool = false
    ) {
        self.statementsOwnSession = statementsOwnSession
        self.session = session
        self.own = own
        self.model = model
        self.stream = stream
        self.catalog = catalog
    }
}

@available(*, unavailable)
extension ScratchConnection: Sendable {}
