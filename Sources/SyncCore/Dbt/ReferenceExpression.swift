/// The inside of one `{{ ... }}`: `ref('name')`, `ref('package', 'name')`, `ref('name', v=2)`
/// (or `version=`), `source('source_name', 'table')`, with either quote, and Jinja's `-` whitespace
/// control at either end. Anything else is nil.
enum ReferenceExpression {
    enum Token: Equatable {
        case name(String)
        case string(String)
        case number(String)
        case punctuation(Character)
    }

    static func parse(_ body: String) -> DbtReference.Target? {
        var text = Substring(body)
        if text.first == "-" { text.removeFirst() }
        if text.last == "-" { text.removeLast() }
        guard var tokens = tokenize(text), case .name(let function) = tokens.first,
            tokens.count >= 3, tokens[1] == .punctuation("("), tokens.last == .punctuation(")")
        else { return nil }
        tokens = Array(tokens[2..<tokens.count - 1])
        var strings: [String] = []
        var version: String?
        var index = 0
        while index < tokens.count {
            switch tokens[index] {
            case .string(let value) where version == nil:
                strings.append(value)
                index += 1
            case .name(let keyword) where (keyword == "v" || keyword == "version") && version == nil:
                guard index + 2 < tokens.count, tokens[index + 1] == .punctuation("=") else { return nil }
                switch tokens[index + 2] {
                case .string(let value), .number(let value): version = value
                default: return nil
                }
                index += 3
            default:
                return nil
            }
            if index < tokens.count {
                guard tokens[index] == .punctuation(","), index + 1 < tokens.count else { return nil }
                index += 1
            }
        }
        guard strings.allSatisfy({ !$0.isEmpty }) else { return nil }
        switch (function, strings.count) {
        case ("ref", 1): return .node(package: nil, name: strings[0], version: version)
        case ("ref", 2): return .node(package: strings[0], name: strings[1], version: version)
        case ("source", 2) where version == nil: return .source(source: strings[0], table: strings[1])
        default: return nil
        }
    }

    static func tokenize(_ text: Substring) -> [Token]? {
        var tokens: [Token] = []
        var rest = text
        while let c = rest.first {
            if c.isWhitespace {
                rest.removeFirst()
            } else if c == "'" || c == "\"" {
                rest.removeFirst()
                guard let end = rest.firstIndex(of: c) else { return nil }
                let value = rest[..<end]
                guard !value.contains("\\"), !value.contains("\n") else { return nil }
                tokens.append(.string(String(value)))
                rest = rest[rest.index(after: end)...]
            } else if c.isLetter || c == "_" {
                let word = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                tokens.append(.name(String(word)))
                rest = rest.dropFirst(word.count)
            } else if c.isNumber {
                let number = rest.prefix { $0.isNumber || $0 == "." }
                tokens.append(.number(String(number)))
                rest = rest.dropFirst(number.count)
            } else if "(),=".contains(c) {
                tokens.append(.punctuation(c))
                rest.removeFirst()
            } else {
                return nil
            }
        }
        return tokens
    }
}
