/// The dbt YAML file `warehouse-sync dbt exposures` writes: one exposure per model
/// (https://docs.getdbt.com/docs/build/exposures), `type: application`, depending on the model's
/// refs and sources. Deterministic: models and dependencies sorted, no timestamps, every text
/// double-quoted, so `git diff` of the file shows only real changes.
public struct DbtExposures: Sendable {
    /// One model's exposure.
    public struct Exposure: Sendable {
        public var name: String
        public var file: String
        public var references: [DbtReference]
        public init(name: String, file: String, references: [DbtReference]) {
            self.name = name
            self.file = file
            self.references = references
        }
    }

    public var exposures: [Exposure]
    public var ownerName: String?
    public var ownerEmail: String?
    /// `[server] public_url`: the exposure's `url`.
    public var url: String?

    public init(exposures: [Exposure], ownerName: String?, ownerEmail: String?, url: String?) {
        self.exposures = exposures
        self.ownerName = ownerName
        self.ownerEmail = ownerEmail
        self.url = url
    }

    /// The YAML text, ending in a line end.
    public var yaml: String {
        var lines = [
            "# Written by warehouse-sync dbt exposures: one exposure per WarehouseSync model. Do not edit by hand.",
            "version: 2", "", "exposures:",
        ]
        for exposure in exposures.sorted(by: { $0.name < $1.name }) {
            lines.append("  - name: \(Self.quoted(exposure.name))")
            lines.append("    label: \(Self.quoted("WarehouseSync: \(exposure.name)"))")
            lines.append("    type: application")
            lines.append("    description: \(Self.quoted("Synced into profiles by WarehouseSync (\(exposure.file))."))")
            if let url { lines.append("    url: \(Self.quoted(url))") }
            lines.append("    owner:")
            lines.append("      name: \(Self.quoted(ownerName ?? "WarehouseSync"))")
            if let ownerEmail { lines.append("      email: \(Self.quoted(ownerEmail))") }
            let dependencies = Set(exposure.references.map { Self.dependency($0.target) }).sorted()
            lines.append("    depends_on:" + (dependencies.isEmpty ? " []" : ""))
            for dependency in dependencies { lines.append("      - \(Self.quoted(dependency))") }
        }
        if exposures.isEmpty { lines[lines.count - 1] = "exposures: []" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The dependency as dbt's `depends_on` spells it: `ref('name')`, `ref('pkg', 'name', v=2)`,
    /// `source('src', 'table')`.
    static func dependency(_ target: DbtReference.Target) -> String {
        DbtReference(target: target, line: 0).description
    }

    /// `text` as a YAML double-quoted scalar: backslash, quote and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
