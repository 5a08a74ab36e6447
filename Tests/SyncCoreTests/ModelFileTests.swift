import Foundation
import Testing

@testable import SyncCore

@Suite struct ModelFileTests {
    static let valid = """
        -- Lifetime value and churn risk per customer.
        -- key: user_id
        -- source: warehouse
        -- schedule: daily at 02:30
        -- traits: lifetime_value, churn_risk
        -- on_remove: keep
        -- max_removed: 10%
        -- timeout: 15m
        -- timezone: Europe/Berlin
        -- enabled: false
        SELECT user_id, SUM(order_total) AS lifetime_value,
          'low' AS churn_risk -- trailing comment
        FROM orders GROUP BY user_id;

        """

    @Test func readsEveryHeaderKeyAndKeepsTheStatementByteForByte() throws {
        let model = try Model.parse(text: Self.valid, file: "models/lifetime_value.sql")
        #expect(model.name == "lifetime_value")
        #expect(model.key == "user_id")
        #expect(model.source == "warehouse")
        #expect(model.schedule.description == "cron 30 2 * * *")
        #expect(model.traits == ["lifetime_value", "churn_risk"])
        #expect(model.onRemove == .keep)
        #expect(model.maxRemoved == .percent(10))
        #expect(model.timeout == .seconds(900))
        #expect(model.timezone?.identifier == "Europe/Berlin")
        #expect(model.enabled == false)
        // The statement as written, up to its last token: the final ";" is not part of it.
        #expect(
            model.sql
                == "SELECT user_id, SUM(order_total) AS lifetime_value,\n  'low' AS churn_risk -- trailing "
                + "comment\nFROM orders GROUP BY user_id"
        )
        #expect(model.headerLines["traits"] == 5)
    }

    @Test func defaults() throws {
        let model = try Model.parse(text: "-- key: id\nSELECT 1 AS id, 2 AS a", file: "models/m.sql")
        #expect(model.schedule == .manual)
        #expect(model.kind == .traits)
        #expect(model.traits == nil)
        #expect(model.onRemove == .unset)
        #expect(model.maxRemoved == .percent(25))
        #expect(model.enabled)
        #expect(model.traitNames(columns: ["id", "a", "b"]) == ["a", "b"])
        let segment = try Model.parse(text: "-- key: id\n-- kind: segment\nSELECT 1 AS id", file: "models/vip.sql")
        #expect(segment.traitNames(columns: ["id"]) == ["vip"])
        #expect(
            try Model.parse(text: "-- key: id\n-- max_removed: 500\nSELECT 1 AS id", file: "models/m.sql").maxRemoved
                == .count(500))
    }

    @Test(arguments: [
        ("-- key: id\n-- schedule: dailly\nSELECT 1", 2, "unknown schedule \"dailly\""),
        ("-- key: id\n-- schedule: cron 61 * * * *\nSELECT 1", 2, "61 is out of range for the minute field (0-59)"),
        ("-- key: id\n-- kind: audience\nSELECT 1", 2, "invalid kind \"audience\""),
        ("-- key: id\n-- traits: a,,b\nSELECT 1", 2, "invalid traits list \"a,,b\""),
        ("-- key: id\n-- traits: a, a\nSELECT 1", 2, "trait a is listed twice"),
        ("-- key: id\n-- traits: id, a\nSELECT 1", 2, "traits lists the key column id"),
        ("-- key: id\n-- on_remove: delete\nSELECT 1", 2, "invalid on_remove \"delete\""),
        ("-- key: id\n-- max_removed: lots\nSELECT 1", 2, "invalid max_removed \"lots\""),
        ("-- key: id\n-- max_removed: 120%\nSELECT 1", 2, "invalid max_removed \"120%\""),
        ("-- key: id\n-- timeout: 15 minutes\nSELECT 1", 2, "invalid timeout \"15 minutes\""),
        ("-- key: id\n-- timezone: Berlin\nSELECT 1", 2, "unknown timezone \"Berlin\""),
        ("-- key: id\n-- enabled: yes\nSELECT 1", 2, "invalid enabled \"yes\""),
        ("-- key: id\n-- shedule: hourly\nSELECT 1", 2, "unknown header key shedule"),
        ("-- key: id\n-- key: other\nSELECT 1", 2, "header key key is set twice"),
        ("-- key: user id\nSELECT 1", 1, "invalid key column \"user id\""),
        ("-- source: warehouse\nSELECT 1", 1, "model m has no key"),
        ("-- key: id\n", 2, "model m has no query after its header"),
        (
            "-- key: id\n-- kind: segment\n-- traits: a\nSELECT 1", 3,
            "a segment model writes one trait named after the model (m); it takes no traits list"
        ),
    ])
    func badHeadersNameFileAndLine(text: String, line: Int, message: String) throws {
        let errors = try #require(throws: ProjectErrors.self) { try Model.parse(text: text, file: "models/m.sql") }
        let error = try #require(errors.errors.first)
        #expect(error.file == "models/m.sql")
        #expect(error.line == line)
        #expect(error.message == message)
        #expect(error.hint != nil || message.contains("twice"))
    }

    @Test func capitalisedProseIsAComment() throws {
        let model = try Model.parse(
            text: "-- Ecommerce: lifetime value\n-- Note: see README\n-- key: id\nSELECT 1 AS id, 2 AS x",
            file: "models/m.sql")
        #expect(model.key == "id")
        #expect(Set(model.headerLines.keys) == ["key"])
    }

    @Test func everyErrorInAFileIsReported() throws {
        let errors = try #require(throws: ProjectErrors.self) {
            try Model.parse(
                text: "-- key: id\n-- schedule: sometimes\n-- kind: x\n-- enabled: maybe\nSELECT 1",
                file: "models/m.sql")
        }
        #expect(errors.errors.map(\.line) == [2, 3, 4])
    }
}
