/// Why a run failed or was held, with what to do about it.
public struct SyncError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        let name: String
        public static let duplicateKeys = Code(name: "duplicate keys")
        public static let missingColumn = Code(name: "missing column")
        public static let badTraitName = Code(name: "bad trait name")
        public static let keyOrder = Code(name: "keys out of order")
        public static let blocked = Code(name: "blocked by max_removed")
        public static let alreadyRunning = Code(name: "already running")
        public static let duplicateColumn = Code(name: "duplicate column")
        public static let traitOwned = Code(name: "trait owned by another model")
        public static let revertRefused = Code(name: "revert refused")
        /// A saved plan no longer matches (docs/drift-and-plans.md): nothing was written, no run was recorded.
        public static let planMoved = Code(name: "plan moved")
        /// The key column stopped being text (`Column.textCastIsIdentity`) between the run's compile and
        /// its read; the runner reads it again through its text cast.
        public static let keyTypeMoved = Code(name: "key type moved")
        /// A budget the source cannot check (docs/cost.md).
        public static let budget = Code(name: "budget")
    }

    public var code: Code
    public var model: String
    public var message: String
    public var hint: String?
    /// The command that would help (`remedy`), which the CLI spells.
    public var suggested: Remedy?

    public init(_ code: Code, model: String, _ message: String, hint: String? = nil, remedy: Remedy? = nil) {
        self.code = code
        self.model = model
        self.message = message
        self.hint = hint
        self.suggested = remedy
    }

    /// `model M: message`, or the message alone when no model is known (a revert of an unknown run).
    public var description: String {
        (model.isEmpty ? "" : "model \(model): ") + message + (hint.map { "\n  hint: \($0)" } ?? "")
    }
}
