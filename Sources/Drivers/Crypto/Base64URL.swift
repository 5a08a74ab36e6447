import Foundation

/// The URL- and filename-safe Base64 alphabet without padding, as JWS uses it (RFC 7515 §2, RFC 4648 §5).
enum Base64URL {
    /// `bytes` in Base64url without "=" padding, e.g. [0xfb, 0xff] → "-_8".
    static func encode(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}
