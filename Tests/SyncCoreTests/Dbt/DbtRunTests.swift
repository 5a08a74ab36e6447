import Foundation
import Testing

@testable import SyncCore

/// docs/dbt.md: what `sync --after-dbt` does with each model, and the dbt Cloud event it reads.
@Suite struct DbtRunTests {
    let statuses = [
        "model.shop.stg_customers": "success", "model.shop.stg_orders": "error",
        "model.shop.customer_ltv": "skipped", "model.shop.dim_customers.v2": "success",
    ]

    @Test func aModelRunsOnlyWhenEveryNodeItRefsThatWasBuiltSucceeded() {
        #expect(DbtAfterRun.decide(nodes: ["model.shop.dim_customers.v2"], statuses: statuses) == .run)
        #expect(
            DbtAfterRun.decide(nodes: ["model.shop.dim_customers.v2", "source.shop.shop.raw"], statuses: statuses)
                == .run, "a source is not built by dbt run")
        #expect(
            DbtAfterRun.decide(nodes: ["model.shop.stg_orders", "model.shop.stg_customers"], statuses: statuses)
                == .skip(reason: "upstream dbt model stg_orders failed", failed: true))
        #expect(
            DbtAfterRun.decide(nodes: ["model.shop.customer_ltv"], statuses: statuses)
                == .skip(reason: "upstream dbt model customer_ltv was skipped", failed: false))
        #expect(DbtAfterRun.decide(nodes: ["model.shop.other"], statuses: statuses) == .notInRun)
        #expect(DbtAfterRun.displayName("model.shop.dim_customers.v2") == "dim_customers.v2")
    }

    @Test func runResultsAreDecoded() throws {
        let json = """
            {"metadata": {"dbt_version": "1.10.15"}, "elapsed_time": 1.5, "args": {},
             "results": [{"unique_id": "model.shop.a", "status": "success", "timing": [], "message": "SELECT 3"},
                         {"unique_id": "model.shop.b", "status": "error", "message": "boom"}]}
            """
        let results = try DbtRunResults.decode(Data(json.utf8))
        #expect(results.statuses == ["model.shop.a": "success", "model.shop.b": "error"])
    }

    @Test func aDbtCloudEventIsDecodedWithIdsAsTextOrNumbers() throws {
        let body = """
            {"accountId": 1, "webhookId": "wsu_1", "eventId": "wev_2", "timestamp": "2026-12-07T10:00:00Z",
             "eventType": "job.run.completed", "webhookName": "sync",
             "data": {"jobId": "123", "runId": 4567, "runStatus": "Success", "runStatusCode": 10}}
            """
        let event = try DbtCloudEvent.decode(Array(body.utf8))
        #expect(event.jobID == "123")
        #expect(event.runID == "4567")
        #expect(event.succeeded)
        let failed = try DbtCloudEvent.decode(
            Array(
                #"{"eventType": "job.run.completed", "data": {"jobId": 1, "runId": "9", "runStatus": "Errored"}}"#.utf8)
        )
        #expect(!failed.succeeded)
        #expect(DbtCloudEvent.hexBytes("00ff7A") == [0, 255, 122])
        #expect(DbtCloudEvent.hexBytes("0g") == nil)
        #expect(DbtCloudEvent.hexBytes("abc") == nil)
    }

    @Test(arguments: [
        (
            #"{"eventType": "job.run.completed", "data": {"jobId": 1, "runStatus": "Success"}}"#,
            "$.data.runId is missing"
        ),
        (#"{"eventType": "job.run.completed", "data": {"jobId": 1, "runId": null}}"#, "$.data.runId is null"),
        (#"{"data": {"jobId": 1, "runId": "9"}}"#, "$.eventType is missing"),
        ("text", "it is not JSON"),
    ])
    func aBodyThatIsNotADbtCloudEventNamesWhatIsWrong(body: String, message: String) {
        do {
            _ = try DbtCloudEvent.decode(Array(body.utf8))
            Issue.record("\(body) was taken")
        } catch {
            #expect(error.message == message)
        }
    }
}
