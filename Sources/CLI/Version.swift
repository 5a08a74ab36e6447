import Foundation

/// The tool's version, and the commit it was built from (docs/operations.md, "Installing and
/// upgrading").
enum Version {
    /// The release, as CHANGELOG.md names it.
    static let number = "0.3.0"

    /// `warehouse-sync 0.3.0 (commit 1a2b3c4d5e6f)`, or `(commit unknown)` when neither an install
    /// nor a git checkout says.
    static var text: String { "warehouse-sync \(number) (commit \(commit ?? "unknown"))" }

    /// The commit: written by scripts/install.sh beside the installed binary
    /// (`PREFIX/share/warehouse-sync/commit`), else read from the git checkout whose `.build`
    /// holds the running binary (`.git/HEAD`, its ref file or `packed-refs`; no git process).
    static var commit: String? {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return nil
        }
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        let installed = directory.deletingLastPathComponent().appendingPathComponent("share/warehouse-sync/commit")
        if let text = try? String(contentsOf: installed, encoding: .utf8) {
            return String(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(12))
        }
        while directory.path != "/" {
            let git = directory.appendingPathComponent(".git")
            if let head = try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8) {
                return resolve(head.trimmingCharacters(in: .whitespacesAndNewlines), in: git)
            }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    private static func resolve(_ head: String, in git: URL) -> String? {
        guard head.hasPrefix("ref: ") else { return String(head.prefix(12)) }
        let ref = String(head.dropFirst(5))
        if let id = try? String(contentsOf: git.appendingPathComponent(ref), encoding: .utf8) {
            return String(id.trimmingCharacters(in: .whitespacesAndNewlines).prefix(12))
        }
        let packed = (try? String(contentsOf: git.appendingPathComponent("packed-refs"), encoding: .utf8)) ?? ""
        for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
            return String(line.prefix(12))
        }
        return nil
    }
}
