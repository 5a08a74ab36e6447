import Drivers
import Foundation
import SyncCore

extension APIHandler {
    /// Where dbt Cloud's webhook delivers (docs/http-api.md).
    static let dbtCloudHookPath = "/v1/hooks/dbt-cloud"

    /// `POST /v1/hooks/dbt-cloud`: a dbt Cloud `job.run.completed` webhook
    /// (https://docs.getdbt.com/docs/deploy/webhooks). The `Authorization` header must be the hex
    /// HMAC-SHA256 of the raw body under `[dbt] webhook_secret` (compared in constant time; 401
    /// otherwise). A successful run of a job in `cloud_job_ids` (any job when empty) queues every
    /// enabled model that refs a dbt node, once per dbt Cloud run id; a failed run is logged and
    /// queues nothing. Answers 202 with what it did.
    func dbtCloudHook(_ request: HTTPRequest) -> HTTPResponse {
        let dbt = project.withLock { $0.config.dbt }
        guard let secret = dbt?.webhookSecret else {
            return error(404, "the dbt Cloud hook is off: [dbt] has no webhook_secret")
        }
        if request.bodyTooLarge { return error(413, "the body is over \(Self.maxBody / 1024) KB") }
        guard let signature = request.headers["authorization"].flatMap(DbtCloudEvent.hexBytes),
            HMACSHA256.isValid(signature: signature, key: Array(secret.reveal().utf8), message: request.body)
        else {
            return error(401, "the Authorization header is not the HMAC-SHA256 of the body under [dbt] webhook_secret")
        }
        let event: DbtCloudEvent
        do { event = try DbtCloudEvent.decode(request.body) } catch {
            return self.error(400, "the body is not a dbt Cloud job event: \(error.message)")
        }
        func answer(_ fields: [(String, JSONFields.Field)]) -> HTTPResponse {
            var out: [UInt8] = []
            JSONFields.object([("dbt_cloud_run", .string(event.runID))] + fields, to: &out)
            return HTTPResponse(status: 202, contentType: "application/json", body: out)
        }
        guard event.eventType == "job.run.completed" else {
            return answer([("ignored", .string("event \(event.eventType); only job.run.completed queues runs"))])
        }
        let jobs = dbt?.cloudJobIDs ?? []
        guard jobs.isEmpty || jobs.contains(where: { String($0) == event.jobID }) else {
            return answer([("ignored", .string("job \(event.jobID) is not in [dbt] cloud_job_ids"))])
        }
        guard !event.runID.isEmpty, event.runID.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
        else { return error(400, "the body is not a dbt Cloud job event: $.data.runId is not a run id") }
        do {
            guard try dbtCloudRuns.firstDelivery(of: event.runID) else {
                return answer([("duplicate", .raw("true")), ("queued", .raw("[]"))])
            }
        } catch {
            return self.error(503, "the delivery could not be recorded: \(error); dbt Cloud retries it")
        }
        let control = self.control
        guard event.succeeded else {
            let fields = [
                "dbt_cloud_run": event.runID, "job": event.jobID, "status": event.runStatus,
                "reason": "the dbt Cloud run did not succeed; no model was queued",
            ]
            waitFor { await control.note("dbt_cloud_run_failed", level: "warn", fields) }
            return answer([("status", .string(event.runStatus)), ("queued", .raw("[]"))])
        }
        let models = project.withLock { $0.models.filter { $0.enabled && !$0.dbtNodes.isEmpty }.map(\.name) }
        var queued: [String] = []
        for name in models {
            let runID = RunRecord.newID(at: now())
            let (result, _) = waitFor {
                await control.trigger(model: name, request: RunRequest(runID: runID), queue: true)
            }
            if case .queued = result { queued.append(name) } else if case .joined = result { queued.append(name) }
        }
        let fields = ["dbt_cloud_run": event.runID, "job": event.jobID, "queued": queued.joined(separator: ",")]
        waitFor { await control.note("dbt_cloud_run_succeeded", level: "info", fields) }
        var list: [UInt8] = [UInt8(ascii: "[")]
        for (index, name) in queued.enumerated() {
            if index > 0 { list.append(UInt8(ascii: ",")) }
            appendJSONString(name, to: &list)
        }
        list.append(UInt8(ascii: "]"))
        return answer([("status", .string(event.runStatus)), ("queued", .raw(String(decoding: list, as: UTF8.self)))])
    }
}
