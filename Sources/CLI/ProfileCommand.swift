import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import WarehouseSync

/// `profile KEY [--json]`: a profile's traits, with the model, run and time that set each.
enum ProfileCommand {
    static let spec = CommandSpec(
        name: "profile", usage: "warehouse-sync [--project DIR] profile KEY [--json]",
        summary: "show a profile's traits, with the model, run and time that set each",
        flags: ["--json"], positionals: 1...1)

    static let command = Command(spec: spec) { args, env in
        let (project, _) = try env.loadProjectForReading()
        let key = args.positionals[0]
        let location = project.storeLocation
        guard let profile = try await runBlocking({ _ in try location.open(readingOnly: true).profile(key: key) })
        else {
            env.console.error("error: no profile with key \(key)")
            return ExitStatus.runFailed
        }
        if args.has("--json") {
            env.console.print(ReportJSON.profile(profile))
            return ExitStatus.success
        }
        let traits = (try? JSONSerialization.jsonObject(with: Data(profile.traitsJSON.utf8))) as? [String: Any] ?? [:]
        let rows = traits.keys.sorted().map { name -> [String] in
            let source = profile.sources[name]
            return [
                name, rawTraitValue(name, in: profile.traitsJSON) ?? "\(traits[name]!)", source?.model ?? "-",
                source?.run ?? "-", source?.at ?? "-",
            ]
        }
        env.console.print("profile \(profile.key) (updated \(profile.updatedAt))")
        env.console.print(TextTable.render(header: ["TRAIT", "VALUE", "MODEL", "RUN", "SET AT"], rows: rows))
        return ExitStatus.success
    }

    /// A trait's JSON text as stored, without reformatting numbers.
    static func rawTraitValue(_ name: String, in json: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let value = object[name]
        else { return nil }
        if let s = value as? String { return s }
        if value is NSNull { return "null" }
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]) else {
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }
}
