import Foundation
import SyncCore

/// `[dbt]`: the dbt project the models build on (docs/dbt.md).
public struct DbtConfig: Sendable {
    /// The dbt project's directory, relative to the project directory unless absolute.
    public var projectDir: String
    /// The manifest, relative to `projectDir` unless absolute.
    public var manifest = "target/manifest.json"
    /// `webhook_secret`: the dbt Cloud webhook's secret, which signs its deliveries (HMAC-SHA256).
    public var webhookSecret: Secret?
    /// `cloud_job_ids`: the dbt Cloud jobs whose successful runs queue models; empty takes every job.
    public var cloudJobIDs: [Int] = []
    /// `owner_name`, `owner_email`: the exposures' owner.
    public var ownerName: String?
    public var ownerEmail: String?
    /// The line of `[dbt]`.
    public var line: Int

    /// The dbt project's directory, taken from the project directory when relative.
    public func projectURL(in directory: URL) -> URL {
        projectDir.hasPrefix("/")
            ? URL(fileURLWithPath: projectDir) : directory.appendingPathComponent(projectDir).standardizedFileURL
    }

    /// The manifest's path, taken from the dbt project's directory when relative.
    public func manifestURL(in directory: URL) -> URL {
        manifest.hasPrefix("/")
            ? URL(fileURLWithPath: manifest) : projectURL(in: directory).appendingPathComponent(manifest)
    }
}

extension ConfigReader {
    mutating func dbt(_ table: TOMLDocument.Table) -> DbtConfig? {
        let before = errors.count
        var config = DbtConfig(projectDir: "", line: table.line)
        var sawProjectDir = false
        let keys = ["project_dir", "manifest", "webhook_secret", "cloud_job_ids", "owner_name", "owner_email"]
        read(table, allowed: keys) { entry, r in
            switch entry.key {
            case "project_dir":
                sawProjectDir = true
                if let text = r.string(entry) { config.projectDir = text }
            case "manifest":
                if let text = r.string(entry) { config.manifest = text }
            case "webhook_secret":
                r.deferUnsetVariables = true
                if let text = r.string(entry) {
                    guard text.count >= 16 else {
                        r.errors.append(
                            ProjectError(
                                file: r.file, line: entry.line, "webhook_secret is shorter than 16 characters",
                                hint: "use the secret dbt Cloud shows when the webhook is made, from an environment "
                                    + "variable: webhook_secret = \"${DBT_WEBHOOK_SECRET}\""))
                        return
                    }
                    config.webhookSecret = Secret(text)
                }
                r.deferUnsetVariables = false
            case "cloud_job_ids":
                switch entry.value {
                case .integers(let ids): config.cloudJobIDs = ids
                case .strings(let ids) where ids.isEmpty: config.cloudJobIDs = []
                default:
                    r.errors.append(
                        ProjectError(
                            file: r.file, line: entry.line, "cloud_job_ids must be an array of job ids",
                            hint: "write the dbt Cloud job ids as numbers: cloud_job_ids = [123, 456]"))
                }
            case "owner_name":
                config.ownerName = r.string(entry)
            default:
                config.ownerEmail = r.string(entry)
            }
        }
        if !sawProjectDir || (errors.count == before && config.projectDir.isEmpty) {
            errors.append(
                ProjectError(
                    file: file, line: table.line, "[dbt] has no project_dir",
                    hint: "add project_dir = \"../analytics\": the dbt project's directory, where dbt_project.yml is"))
        }
        return errors.count == before ? config : nil
    }
}
