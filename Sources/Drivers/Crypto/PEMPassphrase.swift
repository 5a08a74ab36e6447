import CLibCrypto

/// The passphrase for one `PEM_read_bio_PrivateKey` call. OpenSSL gets it through the call's `u` argument and
/// asks for it through a callback (`fill`), which records that it was asked: that is how a failed read is told
/// apart as "wrong passphrase" (asked, and the key did not decrypt) or "not a key" (never asked).
///
/// A callback is always passed, even with no passphrase: with `cb` and `u` both NULL, OpenSSL's default
/// callback would prompt on the process's terminal.
struct PEMPassphrase {
    /// The passphrase's UTF-8 bytes, or nil when the caller gave none.
    private(set) var bytes: [UInt8]?
    /// Whether OpenSSL called the callback, i.e. found an encrypted key.
    private(set) var wasRequested = false

    init(_ passphrase: String?) {
        bytes = passphrase.map { Array($0.utf8) }
    }

    /// The body of the `pem_password_cb` passed with a pointer to a `PEMPassphrase` as `u`: copies that
    /// passphrase into OpenSSL's `buffer` of `size` bytes and returns its length, or -1 (failure) when there is
    /// no passphrase or it does not fit. OpenSSL cleanses `buffer` after use. (The callback itself must be a
    /// closure literal at the call: Swift forms a C function pointer only from one of those or a global `func`.)
    static func fill(
        _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int32, _ userData: UnsafeMutableRawPointer?
    ) -> Int32 {
        guard let buffer, let userData else { return -1 }
        let request = userData.assumingMemoryBound(to: PEMPassphrase.self)
        request.pointee.wasRequested = true
        guard let bytes = request.pointee.bytes, bytes.count <= Int(size) else { return -1 }
        bytes.withUnsafeBytes { source in
            guard let start = source.baseAddress else { return }  // an empty passphrase
            UnsafeMutableRawPointer(buffer).copyMemory(from: start, byteCount: source.count)
        }
        return Int32(bytes.count)
    }

    /// Overwrites this copy of the passphrase (`OPENSSL_cleanse`) so it does not linger in freed memory. The
    /// caller's `String` is out of reach.
    mutating func cleanse() {
        guard bytes != nil else { return }
        bytes!.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
        bytes = nil
    }
}
