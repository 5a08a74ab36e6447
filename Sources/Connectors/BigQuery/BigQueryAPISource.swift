import Drivers
import Foundation
import SyncCore

/// Makes the REST API client of a `[sources.NAME]` table with `project` (docs/warehouses.md).
enum BigQueryAPISource {
    /// The client for `settings`: the API URL checked (`https://`, or `http://` to a loopback host),
    /// the service account's key file read, or the access token taken as given.
    /// - Parameters:
    ///   - region: the location jobs run in (`region`), as BigQuery names it (`US`, `EU`, `europe-west3`).
    ///   - maximumBytesBilled: the cap every job of the run carries; nil for none.
    /// - Throws: `ConnectorError` (`.connectionFailed`) naming the setting that is wrong and what to write.
    static func client(_ settings: WarehouseAPISettings, region: String, maximumBytesBilled: Double?) throws
        -> BigQueryAPIClient
    {
        guard let url = URL(string: settings.url), url.host != nil else {
            throw ConnectorError(
                .connectionFailed, "api_url \(settings.url) is no URL",
                hint: "write api_url = \"\(BigQueryWarehouse.defaultAPIURL)\"")
        }
        do { try HTTPURLPolicy.check(url) } catch {
            throw ConnectorError(.connectionFailed, "api_url: \(error.message)")
        }
        guard let project = settings.project, !project.isEmpty else {
            throw ConnectorError(
                .connectionFailed, "a BigQuery source needs its project", hint: "add project = \"my-project\"")
        }
        let context = BigQueryContext(
            project: project, location: location(region), dataset: settings.dataset,
            maximumBytesBilled: maximumBytesBilled)
        return BigQueryAPIClient(base: url, auth: try auth(settings), context: context)
    }

    /// A region as jobs' `location`: the multi-regions upper-cased (`US`, `EU`), the others as written.
    static func location(_ region: String) -> String {
        ["us", "eu"].contains(region.lowercased()) ? region.uppercased() : region
    }

    /// Service-account auth when `credentials_file` is set, the access token when `token` is.
    static func auth(_ settings: WarehouseAPISettings) throws -> BigQueryAPIAuth {
        if let token = settings.token { return BigQueryAPIAuth(.token(token)) }
        guard let path = settings.credentialsPath else {
            throw ConnectorError(
                .connectionFailed, "a BigQuery source with project needs credentials_file or token",
                hint: "add credentials_file = \"keys/reader.json\" (a service account key) or "
                    + "token = \"${BIGQUERY_TOKEN}\"")
        }
        return BigQueryAPIAuth(.serviceAccount(try BigQueryServiceAccount(path: path)))
    }
}
