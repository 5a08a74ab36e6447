/// The JSON objects a change writes into a profile, built once in Swift: the set traits with
/// their canonical values, and the same trait names pointing at the run's provenance.
enum TraitObjects {
    static func traits(_ change: Change, names: [String]) -> String {
        let values = change.traits.traits(count: names.count)
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, index) in change.setTraits.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(names[index], to: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: values[index].utf8)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func provenance(_ indexes: [Int], names: [String], provenance: String) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, index) in indexes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(names[index], to: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: provenance.utf8)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
