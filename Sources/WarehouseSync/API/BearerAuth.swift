import Foundation
import SyncCore
import Synchronization

/// Who may use the API (docs/http-api.md): a request with `Authorization: Bearer TOKEN`, or a browser
/// holding a session cookie it got from `/?token=TOKEN`. Without a configured token, everyone
/// (the server then listens on a loopback address only).
final class BearerAuth: Sendable {
    static let cookieName = "ws_session"
    /// Sessions kept; the oldest is forgotten past this many.
    static let sessionLimit = 1000

    private let token: Secret?
    private let sessions = Mutex<[String]>([])

    init(token: Secret?) { self.token = token }

    var isRequired: Bool { token != nil }

    /// Whether the request's bearer token or session cookie is valid.
    func allows(authorization: String?, cookie: String?) -> Bool {
        guard let token else { return true }
        if let authorization, authorization.lowercased().hasPrefix("bearer ") {
            return Self.constantTimeEqual(String(authorization.dropFirst(7)), token.reveal())
        }
        if let cookie { return sessions.withLock { $0.contains { Self.constantTimeEqual($0, cookie) } } }
        return false
    }

    /// A new session for a browser that showed `offered`; nil when it is not the token.
    func session(for offered: String) -> String? {
        guard let token, Self.constantTimeEqual(offered, token.reveal()) else { return nil }
        var generator = SystemRandomNumberGenerator()
        let id = (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
        sessions.withLock {
            $0.append(id)
            if $0.count > Self.sessionLimit { $0.removeFirst($0.count - Self.sessionLimit) }
        }
        return id
    }

    /// Compares every byte whatever the first difference, so the time taken does not tell how
    /// much of a guess was right; the lengths' difference counts as a difference too.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(truncatingIfNeeded: x.count ^ y.count) | (x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
