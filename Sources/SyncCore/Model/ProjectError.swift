/// A problem in the user's files, with where it is and what to do about it.
/// Never transient: the files must change before the same work can succeed.
public struct ProjectError: ReportedError, Sendable, Hashable, CustomStringConvertible, Comparable {
    /// What kind of problem, as an opaque code so cases can be added later.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The file is not valid TOML or not a valid model header.
        public static let syntax = Code(name: "syntax")
        /// A key this version does not know (often a misspelling).
        public static let unknownKey = Code(name: "unknown key")
        /// A known key with a value it cannot take.
        public static let invalidValue = Code(name: "invalid value")
        /// A name that refers to nothing (a source, a model, an environment variable).
        public static let reference = Code(name: "reference")
        /// The file cannot be read (missing, not a regular file, not UTF-8, too large).
        public static let file = Code(name: "file")
        /// What `validate --connect` or `grants` found in the warehouse.
        public static let warehouse = Code(name: "warehouse")
        public var description: String { name }
    }

    public var code: Code
    public var file: String
    public var line: Int?
    public var message: String
    public var hint: String?
    public var isTransient: Bool { false }

    public init(file: String, line: Int? = nil, _ message: String, hint: String? = nil, code: Code = .invalidValue) {
        self.code = code
        self.file = file
        self.line = line
        self.message = message
        self.hint = hint
    }

    public var errorCode: String { ErrorCodes.code("project", code.name) }

    /// `file:line: message` and, on the next line, the hint.
    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return "\(place): \(message)" + (hint.map { "\n  hint: \($0)" } ?? "")
    }

    public static func < (a: ProjectError, b: ProjectError) -> Bool {
        (a.file, a.line ?? 0, a.message) < (b.file, b.line ?? 0, b.message)
    }
}

/// Several problems found at once: validation reports every one, not only the first.
public struct ProjectErrors: ReportedError, Sendable, CustomStringConvertible {
    public var errors: [ProjectError]
    public var isTransient: Bool { false }
    public init(_ errors: [ProjectError]) { self.errors = errors.sorted() }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
    public var errorCode: String { "project.invalid" }
    public var message: String { description }
    /// Each error carries its own hint, in `description`.
    public var hint: String? { nil }
}
