/// A row's traits in canonical form: each trait's JSON, one after another, with their lengths,
/// so a snapshot stores them as one blob and a diff compares trait by trait.
public struct EncodedTraits: Equatable, Sendable {
    /// `count` little-endian UInt32 lengths, then the JSON bytes.
    public var bytes: [UInt8]

    package init(bytes: [UInt8]) { self.bytes = bytes }

    /// Each trait's canonical JSON, given how many traits the blob holds.
    func traits(count: Int) -> [String] {
        guard bytes.count >= count * 4 else { return [] }
        var result: [String] = []
        var offset = count * 4
        for i in 0..<count {
            let length =
                Int(bytes[i * 4]) | Int(bytes[i * 4 + 1]) << 8 | Int(bytes[i * 4 + 2]) << 16 | Int(bytes[i * 4 + 3])
                << 24
            guard offset + length <= bytes.count else { return result }
            result.append(String(decoding: bytes[offset..<offset + length], as: UTF8.self))
            offset += length
        }
        return result
    }
}

/// Encodes a row's traits into one reusable buffer, the layout of `EncodedTraits`, so that
/// unchanged rows (most rows) are hashed without allocating.
struct TraitEncoder {
    private(set) var buffer: [UInt8] = []

    mutating func encode(_ values: some Collection<Value>) {
        buffer.removeAll(keepingCapacity: true)
        let count = values.count
        buffer.append(contentsOf: repeatElement(0, count: count * 4))
        var index = 0
        for value in values {
            let before = buffer.count
            value.appendCanonicalJSON(to: &buffer)
            let length = UInt32(buffer.count - before)
            buffer[index * 4] = UInt8(truncatingIfNeeded: length)
            buffer[index * 4 + 1] = UInt8(truncatingIfNeeded: length >> 8)
            buffer[index * 4 + 2] = UInt8(truncatingIfNeeded: length >> 16)
            buffer[index * 4 + 3] = UInt8(truncatingIfNeeded: length >> 24)
            index += 1
        }
    }

    /// A copy of the buffer, for rows that must be written.
    var encoded: EncodedTraits { EncodedTraits(bytes: buffer) }
}

/// A stable 64-bit hash of bytes with a seed; the row hash's engine. XXH3-64 in production
/// (`XXH3Hashing` in Drivers, over the system's libxxhash): SyncCore imports no C module.
public protocol ByteHashing: Sendable {
    /// The hash of `bytes` with `seed`; the same for the same inputs in every process and version.
    func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64
}

/// Whether a JSON text can be stored (RFC 8259 JSON that PostgreSQL's jsonb can hold too); the
/// check the diff makes before a JSON value reaches the store. `JSONValidator` in Drivers.
public protocol JSONChecking {
    func isStorable(_ text: String) -> Bool
}

/// The stable 64-bit row hash: a `ByteHashing` over the canonical trait values, seeded with a hash
/// of the trait names (so renaming or adding a trait changes every row's hash). Never Swift's
/// `Hasher`, which is seeded per process.
struct RowHasher {
    let seed: UInt64
    let function: any ByteHashing

    init(traitNames: [String], using function: any ByteHashing) {
        self.function = function
        let joined = Array(traitNames.joined(separator: "\u{1F}").utf8)
        seed = joined.withUnsafeBytes { function.hash($0, seed: 0) }
    }

    func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes(hash)
    }

    func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        function.hash(bytes, seed: seed)
    }
}
