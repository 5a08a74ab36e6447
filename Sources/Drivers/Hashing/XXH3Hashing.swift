import CXXHash
import SyncCore

/// XXH3-64 from the system's libxxhash: the row hash of every snapshot. Changing it would
/// change every stored hash (and so make every row look changed once).
public struct XXH3Hashing: ByteHashing {
    public init() {}

    public func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        XXH3_64bits_withSeed(bytes.baseAddress, bytes.count, seed)
    }
}
