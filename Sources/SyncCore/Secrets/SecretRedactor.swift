import Synchronization

/// Blanks secrets out of text before it leaves the process or enters the store: every message
/// on stdout and stderr, every log line, every error recorded with a run.
///
/// Drivers echo parts of what they could not parse (libpq: `invalid percent-encoded token:
/// "50%off-s3cret"`, a password containing `/` read as a port), so matching whole values is not
/// enough: any run of four or more characters that occurs in a secret is blanked, as is any
/// whole occurrence of a secret of three characters.
public final class SecretRedactor: Sendable {
    /// What replaces each blanked run.
    public static let mask = "•••"
    private let secrets = Mutex<[[Unicode.Scalar]]>([])

    public init() {}

    /// Adds a secret value (a password, a token), its percent-decoded form and its
    /// percent-encoded form, so that a driver that decodes or re-encodes it still cannot show it.
    public func add(secret value: String) {
        guard value.unicodeScalars.count >= 3 else { return }
        var forms: Set<String> = [value]
        if let decoded = PercentEncoding.decode(value) { forms.insert(decoded) }
        forms.insert(PercentEncoding.encode(value))
        secrets.withLock { list in
            for form in forms where !list.contains(Array(form.unicodeScalars)) {
                list.append(Array(form.unicodeScalars))
            }
        }
    }

    /// Adds the secrets inside a connection text: the password of a URL (`user:PASSWORD@`), and the
    /// values of `password=`, `PWD=`, `token=` and their kin in conninfo, ODBC and URL query strings.
    public func add(secretsIn connectionText: String) {
        for secret in ConnectionSecrets.values(in: connectionText) { add(secret: secret) }
    }

    /// Adds everything `other` blanks.
    public func add(_ other: SecretRedactor) {
        let theirs = other.secrets.withLock { $0 }
        secrets.withLock { list in
            for secret in theirs where !list.contains(secret) { list.append(secret) }
        }
    }

    /// `text` with every part of every secret replaced by `mask`.
    public func redact(_ text: String) -> String {
        let known = secrets.withLock { $0 }
        guard !known.isEmpty, !text.isEmpty else { return text }
        let scalars = Array(text.unicodeScalars)
        var hidden = [Bool](repeating: false, count: scalars.count)
        var any = false
        for secret in known {
            let minimum = min(4, secret.count)
            for start in scalars.indices {
                let length = longestMatch(scalars, from: start, in: secret)
                if length >= minimum {
                    for index in start..<(start + length) { hidden[index] = true }
                    any = true
                }
            }
        }
        guard any else { return text }
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if hidden[index] {
                out.append(contentsOf: Self.mask.unicodeScalars)
                while index < scalars.count && hidden[index] { index += 1 }
            } else {
                out.append(scalars[index])
                index += 1
            }
        }
        return String(out)
    }

    /// The length of the longest run of `text` from `start` that occurs anywhere in `secret`.
    private func longestMatch(_ text: [Unicode.Scalar], from start: Int, in secret: [Unicode.Scalar]) -> Int {
        var best = 0
        for offset in secret.indices where secret[offset] == text[start] {
            var length = 0
            while start + length < text.count, offset + length < secret.count,
                text[start + length] == secret[offset + length]
            {
                length += 1
            }
            best = max(best, length)
        }
        return best
    }
}
