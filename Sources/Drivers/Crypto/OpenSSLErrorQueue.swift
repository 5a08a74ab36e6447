import CLibCrypto

/// OpenSSL's per-thread error queue. Clear it before a call so that a failure reports only its own errors.
enum OpenSSLErrorQueue {
    /// Empties this thread's queue.
    static func clear() { ERR_clear_error() }

    /// Empties this thread's queue and returns its distinct entries, oldest first, joined by "; ", e.g.
    /// "error:1C800064:Provider routines::bad decrypt". Only OpenSSL's fixed reason strings are included, never
    /// the per-error data strings, so nothing of the caller's input can appear.
    static func drain() -> String {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !messages.contains(message) { messages.append(message) }  // OpenSSL 3's decoders retry and repeat
        }
        return messages.isEmpty ? "no OpenSSL error recorded" : messages.joined(separator: "; ")
    }

    /// The error for a failed libcrypto call named `operation`, draining the queue.
    static func error(_ operation: String) -> CryptoError {
        .openSSL(operation: operation, message: drain())
    }
}
