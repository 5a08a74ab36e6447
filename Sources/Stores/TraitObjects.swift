import Drivers
import SyncCore

/// Builds the JSON objects a change writes into a profile, straight from the change's encoded
/// canonical values into reusable byte buffers: the set traits with their values, and the same
/// trait names pointing at the run (its provenance).
struct TraitObjects {
    private let names: [[UInt8]]
    private let provenance: [UInt8]
    private(set) var traits: [UInt8] = []
    private(set) var provenanceObject: [UInt8] = []
    /// The set traits with each value as a JSON string holding its canonical text
    /// (`{"ltv":"10.50"}`): SQLite's JSON functions re-render values, but return a string's
    /// content exactly (`buildQuoted`).
    private(set) var quotedTraits: [UInt8] = []
    private var offsets: [Int]

    init(traitNames: [String], provenance: String) {
        names = traitNames.map { name in
            var quoted: [UInt8] = []
            appendJSONString(name, to: &quoted)
            return quoted + [UInt8(ascii: ":")]
        }
        self.provenance = Array(provenance.utf8)
        offsets = [Int](repeating: 0, count: traitNames.count + 1)
    }

    /// Fills `traits` and `provenanceObject` for `change`'s set traits.
    mutating func build(_ change: Change) {
        traits.removeAll(keepingCapacity: true)
        provenanceObject.removeAll(keepingCapacity: true)
        traits.append(UInt8(ascii: "{"))
        provenanceObject.append(UInt8(ascii: "{"))
        let count = names.count
        change.traits.bytes.withUnsafeBufferPointer { blob in
            // Value i starts after the length table and the values before it.
            offsets[0] = count * 4
            for i in 0..<count {
                let length =
                    Int(blob[i * 4]) | Int(blob[i * 4 + 1]) << 8 | Int(blob[i * 4 + 2]) << 16 | Int(blob[i * 4 + 3])
                    << 24
                offsets[i + 1] = offsets[i] + length
            }
            for (n, index) in change.setTraits.enumerated() {
                if n > 0 {
                    traits.append(UInt8(ascii: ","))
                    provenanceObject.append(UInt8(ascii: ","))
                }
                traits.append(contentsOf: names[index])
                traits.append(contentsOf: UnsafeBufferPointer(rebasing: blob[offsets[index]..<offsets[index + 1]]))
                provenanceObject.append(contentsOf: names[index])
                provenanceObject.append(contentsOf: provenance)
            }
        }
        traits.append(UInt8(ascii: "}"))
        provenanceObject.append(UInt8(ascii: "}"))
    }

    /// Fills `quotedTraits` for `change`'s set traits; call after `build`, whose offsets it reads.
    mutating func buildQuoted(_ change: Change) {
        quotedTraits.removeAll(keepingCapacity: true)
        quotedTraits.append(UInt8(ascii: "{"))
        change.traits.bytes.withUnsafeBufferPointer { blob in
            for (n, index) in change.setTraits.enumerated() {
                if n > 0 { quotedTraits.append(UInt8(ascii: ",")) }
                quotedTraits.append(contentsOf: names[index])
                appendJSONString(
                    bytes: UnsafeBufferPointer(rebasing: blob[offsets[index]..<offsets[index + 1]]), to: &quotedTraits)
            }
        }
        quotedTraits.append(UInt8(ascii: "}"))
    }
}
