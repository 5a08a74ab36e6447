/// What a diff found, row by row.
public struct DiffCounts: Sendable, Equatable, Codable {
    public var rowsRead = 0
    public var invalid = 0
    public var added = 0
    public var changed = 0
    public var removed = 0
    public var unchanged = 0
    /// Trait values set plus trait values unset.
    public var traitsWritten = 0

    public init(
        rowsRead: Int = 0, invalid: Int = 0, added: Int = 0, changed: Int = 0, removed: Int = 0, unchanged: Int = 0,
        traitsWritten: Int = 0
    ) {
        self.rowsRead = rowsRead
        self.invalid = invalid
        self.added = added
        self.changed = changed
        self.removed = removed
        self.unchanged = unchanged
        self.traitsWritten = traitsWritten
    }

    /// Rows in the snapshot after this run.
    public var snapshotRows: Int { added + changed + unchanged }

    enum CodingKeys: String, CodingKey {
        case invalid, added, changed, removed, unchanged
        case rowsRead = "rows_read"
        case traitsWritten = "traits_written"
    }
}

/// One change a plan shows: a trait of a profile, from its old value to its new one.
public struct SampleChange: Sendable, Equatable, Codable {
    public var key: String
    public var trait: String
    /// Canonical JSON; nil where the profile had no such trait (added) or loses it (removed).
    public var old: String?
    public var new: String?
}
