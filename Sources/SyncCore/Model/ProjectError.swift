/// A problem in the user's files, with where it is and what to do about it.
public struct ProjectError: Error, Sendable, Hashable, CustomStringConvertible, Comparable {
    public var file: String
    public var line: Int?
    public var message: String
    public var hint: String?

    public init(file: String, line: Int? = nil, _ message: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.message = message
        self.hint = hint
    }

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
public struct ProjectErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ProjectError]
    public init(_ errors: [ProjectError]) { self.errors = errors.sorted() }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
