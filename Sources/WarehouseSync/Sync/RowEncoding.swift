import Connectors
import CXXHash

/// A row's traits in canonical form: each trait's JSON, one after another, with their lengths,
/// so a snapshot stores them as one blob and a diff compares trait by trait.
public struct EncodedTraits: Equatable, Sendable {
    /// `count` little-endian UInt32 lengths, then the JSON bytes.
    public var bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Encodes `values` with a reusable scratch buffer.
    init(values: some Collection<Value>, scratch: inout [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        var lengths: [UInt32] = []
        lengths.reserveCapacity(values.count)
        for value in values {
            let before = scratch.count
            value.appendCanonicalJSON(to: &scratch)
            lengths.append(UInt32(scratch.count - before))
        }
        var out = [UInt8]()
        out.reserveCapacity(lengths.count * 4 + scratch.count)
        for length in lengths { withUnsafeBytes(of: length.littleEndian) { out.append(contentsOf: $0) } }
        out.append(contentsOf: scratch)
        bytes = out
    }

    /// Each trait's canonical JSON, given how many traits the blob holds.
    func traits(count: Int) -> [String] {
        guard bytes.count >= count * 4 else { return [] }
        var result: [String] = []
        var offset = count * 4
        for i in 0..<count {
            let length = Int(bytes[i * 4]) | Int(bytes[i * 4 + 1]) << 8 | Int(bytes[i * 4 + 2]) << 16 | Int(bytes[i * 4 + 3]) << 24
            guard offset + length <= bytes.count else { return result }
            result.append(String(decoding: bytes[offset..<offset + length], as: UTF8.self))
            offset += length
        }
        return result
    }
}

/// The stable 64-bit row hash: XXH3 over the canonical trait values, seeded with a hash of the
/// trait names (so renaming or adding a trait changes every row's hash). Never Swift's `Hasher`,
/// which is seeded per process.
struct RowHasher {
    let seed: UInt64

    init(traitNames: [String]) {
        let joined = Array(traitNames.joined(separator: "\u{1F}").utf8)
        seed = joined.withUnsafeBytes { XXH3_64bits($0.baseAddress, $0.count) }
    }

    func hash(_ encoded: EncodedTraits) -> UInt64 {
        encoded.bytes.withUnsafeBytes { XXH3_64bits_withSeed($0.baseAddress, $0.count, seed) }
    }
}
