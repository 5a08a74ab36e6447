/// What a row must be before it is stored: a usable key (not NULL, valid UTF-8, a profile key:
/// `ProfileKey.problem`) and trait values the store holds exactly. A row that fails is counted
/// invalid and the first few are kept with why; nothing is written for it.
struct RowChecks {
    /// How many invalid rows are kept (the run keeps them in the store; `invalid` counts them all).
    var invalidRowLimit = 10
    private(set) var invalid = 0
    private(set) var invalidRows: [InvalidRow] = []
    /// Rows whose key is in the snapshot but whose new values cannot be stored: the snapshot keeps
    /// their previous values.
    private(set) var keptRows = 0

    /// Checks JSON values before they are stored (owns a private SQLite connection).
    private let json: any JSONChecking
    /// Only a traits model's values are checked (a segment's one trait is membership).
    private var checksValues = false
    private var traitNames: [String] = []
    private var traitIndexes: [Int] = []
    /// Positions of the traits whose values are checked: of decoded rows, of COPY rows.
    private var decodedChecked: [Int] = []
    private var rawChecked: [Int] = []

    init(json: any JSONChecking) { self.json = json }

    /// Takes the result's layout, once its columns are known.
    mutating func configure(_ layout: ResultLayout, checksValues: Bool) {
        self.checksValues = checksValues
        traitNames = layout.traitNames
        traitIndexes = layout.traitIndexes
        decodedChecked = layout.decodedChecked
        rawChecked = layout.rawChecked
    }

    /// The decoded key's text, or nil (counted invalid) when it is no usable key.
    /// - Parameter keyIsText: the key column is the warehouse's text cast of the key.
    mutating func usableKey(_ value: Value, keyIsText: Bool) -> String? {
        if case .bytes(let raw) = value, keyIsText {
            // The key's text cast came back as bytes: it is not valid UTF-8.
            noteInvalid(
                key: raw.withUnsafeBytes(ProfileKey.shown), column: nil, reason: "the key is not valid UTF-8 text")
            return nil
        }
        guard var key = value.keyText else {
            noteInvalid(key: nil, column: nil, reason: "the key is NULL")
            return nil
        }
        if let problem = key.withUTF8({ ProfileKey.problem(UnsafeRawBufferPointer($0)) }) {
            noteInvalid(
                key: key.withUTF8 { ProfileKey.shown(UnsafeRawBufferPointer($0)) }, column: nil, reason: problem)
            return nil
        }
        return key
    }

    /// Whether a COPY row's key at `index` is usable; an unusable one is counted invalid.
    mutating func hasUsableKey(_ raw: RawRow, at index: Int) -> Bool {
        if raw.isNull(index) {
            noteInvalid(key: nil, column: nil, reason: "the key is NULL")
            return false
        }
        if let problem = raw.withText(index, { ProfileKey.problem(UnsafeRawBufferPointer($0)) }) {
            noteInvalid(
                key: raw.withText(index) { ProfileKey.shown(UnsafeRawBufferPointer($0)) }, column: nil,
                reason: problem)
            return false
        }
        return true
    }

    /// The first trait whose value the store cannot hold exactly.
    func unstorable(_ value: (Int) -> Value, raw: Bool) -> (column: String, reason: String)? {
        guard checksValues else { return nil }
        for position in raw ? rawChecked : decodedChecked {
            let index = traitIndexes[position]
            if let reason = value(index).unstorableReason(json) { return (traitNames[position], reason) }
        }
        return nil
    }

    /// A row with a usable key but a value the store cannot hold: nothing is written for it and
    /// its profile and snapshot row stay as they were.
    mutating func keep(inSnapshot: Bool, key: String, column: String, reason: String) {
        if inSnapshot { keptRows += 1 }
        var key = key
        noteInvalid(key: key.withUTF8 { ProfileKey.shown(UnsafeRawBufferPointer($0)) }, column: column, reason: reason)
    }

    private mutating func noteInvalid(key: String?, column: String?, reason: String) {
        invalid += 1
        if invalidRows.count < invalidRowLimit {
            invalidRows.append(InvalidRow(key: key, column: column, reason: reason))
        }
    }
}
