import Foundation

@testable import SyncCore

/// The diff's hash without its C library: 64-bit FNV-1a over the seed's bytes, then the input's
/// (http://www.isthe.com/chongo/tech/comp/fnv/). Stable across processes, which is all the diff
/// asks of a hash; production uses XXH3-64 from Drivers.
struct FNV1aHashing: ByteHashing {
    func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        withUnsafeBytes(of: seed.littleEndian) { $0.forEach(mix) }
        bytes.forEach(mix)
        return hash
    }
}

/// The diff's JSON check without SQLite: JSON that Foundation parses, fragments allowed.
struct FoundationJSONCheck: JSONChecking {
    func isStorable(_ text: String) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil
    }
}
