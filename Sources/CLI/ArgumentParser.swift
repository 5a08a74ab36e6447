import Connectors
import Drivers
import Stores
import SyncCore
import WarehouseSync

/// A command's arguments as declared: which flags and options it takes, how many positionals.
struct CommandSpec: Sendable {
    var name: String
    var usage: String
    var summary: String
    var details: String = ""
    var flags: [String] = []
    var options: [String] = []
    var positionals: ClosedRange<Int> = 0...0
}

/// A usage mistake: exit status 2, with the command's usage line. Never transient.
struct UsageError: ReportedError, CustomStringConvertible {
    var message: String
    var usage: String?
    var isTransient: Bool { false }
    var errorCode: String { "usage.invalid" }
    var hint: String? { usage.map { "usage: \($0)" } }
    var description: String { message + (usage.map { "\nusage: \($0)" } ?? "") }
}

/// What the user typed for one command.
struct ParsedArguments {
    var positionals: [String] = []
    var flags: Set<String> = []
    var options: [String: String] = [:]

    func has(_ flag: String) -> Bool { flags.contains(flag) }
    func option(_ name: String) -> String? { options[name] }

    func integer(_ name: String, default value: Int, range: ClosedRange<Int> = 1...Int.max, spec: CommandSpec)
        throws(UsageError) -> Int
    {
        guard let text = options[name] else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw UsageError(
                message: "\(name) takes a whole number from \(range.lowerBound), got \(text)", usage: spec.usage)
        }
        return n
    }

    /// Parses `args` against `spec`; `--opt value` and `--opt=value` both work.
    static func parse(_ args: [String], _ spec: CommandSpec) throws(UsageError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        var onlyPositionals = false
        while index < args.count {
            let arg = args[index]
            index += 1
            if onlyPositionals || !arg.hasPrefix("--") || arg == "-" {
                parsed.positionals.append(arg)
                continue
            }
            if arg == "--" {
                onlyPositionals = true
                continue
            }
            var name = arg
            var inlineValue: String?
            if let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inlineValue = String(arg[arg.index(after: eq)...])
            }
            if spec.flags.contains(name) {
                guard inlineValue == nil else { throw UsageError(message: "\(name) takes no value", usage: spec.usage) }
                parsed.flags.insert(name)
            } else if spec.options.contains(name) {
                if let inlineValue {
                    parsed.options[name] = inlineValue
                    continue
                }
                guard index < args.count else { throw UsageError(message: "\(name) needs a value", usage: spec.usage) }
                parsed.options[name] = args[index]
                index += 1
            } else {
                throw UsageError(message: "unknown option \(name) for \(spec.name)", usage: spec.usage)
            }
        }
        guard spec.positionals.contains(parsed.positionals.count) else {
            let message =
                parsed.positionals.count < spec.positionals.lowerBound
                ? "\(spec.name) needs more arguments"
                : "unexpected argument \(parsed.positionals[spec.positionals.upperBound])"
            throw UsageError(message: message, usage: spec.usage)
        }
        return parsed
    }
}

/// `text` as a shell reads it back: as it is when it is plain (and starts with no `-`), else in
/// single quotes, each `'` written `'\''`.
func shellQuoted(_ text: String) -> String {
    if !text.isEmpty, !text.hasPrefix("-"),
        text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.@/:,+".contains($0)) })
    {
        return text
    }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
