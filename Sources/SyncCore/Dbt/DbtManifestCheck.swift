/// `validate --dbt-manifest PATH` (docs/dbt.md): what breaks a model if the dbt project becomes the
/// state of another manifest (a pull request's). Each break names the model file's line, the dbt
/// node and, for a column, the column: a ref or source that is gone there, a node whose relation
/// moved (another schema, database or alias), and a column the model's SQL names that the node
/// documents here but no longer there (checked where the node there documents its columns).
public enum DbtManifestCheck {
    /// The breaks of `model` (whose references resolved in `current`) against `other`.
    /// - Parameter otherName: how messages name the other manifest (its path).
    public static func breaks(
        of model: Model, current: DbtManifest, other: DbtManifest, otherName: String
    ) -> [ProjectError] {
        guard let template = model.dbtTemplate else { return [] }
        var errors: [ProjectError] = []
        var reported: Set<String> = []
        for reference in template.references {
            guard case .found(let now) = current.resolve(reference) else { continue }
            let there: DbtManifest.Node
            switch other.resolve(reference) {
            case .found(let node): there = node
            case .missing(let message, let hint):
                errors.append(
                    ProjectError(
                        file: model.file, line: reference.line,
                        "model \(model.name): \(reference) (dbt node \(now.uniqueID)) is gone in \(otherName): "
                            + message,
                        hint: "the change would break this model; keep the dbt node, or change the model with it. "
                            + hint.prefix(1).uppercased() + hint.dropFirst(), code: .reference))
                continue
            }
            // As the warehouse compares names: quoted parts exactly, unquoted ones folded.
            let before = now.relation(quote: SQLText.doubleQuoted)
            let after = there.relation(quote: SQLText.doubleQuoted)
            if SQLLexer.qualifiedNames(before) != SQLLexer.qualifiedNames(after) {
                errors.append(
                    ProjectError(
                        file: model.file, line: reference.line,
                        "model \(model.name): \(reference) (dbt node \(now.uniqueID)) moved from "
                            + "\(before) to \(after) in \(otherName)",
                        hint: "the sync would read another relation after the change; check that it is the intended "
                            + "one and that the sync's role can read it", code: .reference))
            }
            guard !there.columns.isEmpty else { continue }
            let removed = now.columns.subtracting(there.columns)
            for word in template.words where removed.contains(word.text.lowercased()) {
                let column = word.text.lowercased()
                guard reported.insert(now.uniqueID + "." + column).inserted else { continue }
                errors.append(
                    ProjectError(
                        file: model.file, line: word.line,
                        "model \(model.name) selects column \(column) of dbt node \(now.uniqueID), which \(otherName) "
                            + "no longer documents",
                        hint: "the change would drop or rename the column this model reads; keep it in the dbt "
                            + "model, or change this model with it", code: .reference))
            }
        }
        return errors
    }
}
