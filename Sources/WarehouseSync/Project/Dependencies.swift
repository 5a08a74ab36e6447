import SyncCore

extension Project {
    /// The problems of `schedule: after MODEL` lines (docs/http-api.md): a model that does not exist, and
    /// cycles (a model after itself, or a chain that comes back), each naming the files and lines.
    static func dependencyProblems(_ models: [Model]) -> [ProjectError] {
        let byName = Dictionary(models.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var problems: [ProjectError] = []
        var after: [String: String] = [:]
        for model in models {
            guard case .after(let other) = model.schedule else { continue }
            guard byName[other] != nil else {
                problems.append(
                    ProjectError(
                        file: model.file, line: model.headerLines["schedule"],
                        "schedule: after \(other): there is no model \(other)",
                        hint: "the models are \(models.map(\.name).sorted().joined(separator: ", "))", code: .reference)
                )
                continue
            }
            after[model.name] = other
        }
        // Each model runs after at most one other: a cycle is a walk that comes back to its start.
        var reported: Set<String> = []
        for start in after.keys.sorted() where !reported.contains(start) {
            var chain = [start]
            var current = start
            while let next = after[current], !reported.contains(next) {
                if let loop = chain.firstIndex(of: next) {
                    let cycle = Array(chain[loop...]) + [next]
                    let first = byName[cycle[0]]!
                    problems.append(
                        ProjectError(
                            file: first.file, line: first.headerLines["schedule"],
                            "schedule: after makes a cycle: "
                                + cycle.map { "\($0) (\(byName[$0]!.file))" }.joined(separator: " → "),
                            hint: "give one model of the cycle a schedule of its own (hourly, manual, ...)",
                            code: .reference))
                    reported.formUnion(cycle)
                    break
                }
                chain.append(next)
                current = next
            }
            reported.formUnion(chain)
        }
        return problems
    }
}
