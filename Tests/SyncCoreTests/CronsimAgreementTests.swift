import Foundation
import Testing

@testable import SyncCore

/// Fire times agree with cronsim (Debian cron's semantics) on the committed table of random
/// expressions that scripts/gen-cron-fixtures.py wrote.
@Suite struct CronsimAgreementTests {
    struct Case {
        var expression: String
        var zone: String
        var after: Int
        var fires: [Int]
    }

    static func cases() throws -> [Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/cronsim.tsv")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
            line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Case(
                expression: f[0], zone: f[1], after: Int(f[2])!, fires: f[3].split(separator: ",").map { Int($0)! })
        }
    }

    @Test func agreesWithCronsimOnThousandsOfExpressions() throws {
        let all = try Self.cases()
        #expect(all.count >= 2000)
        var mismatches: [String] = []
        for c in all {
            let schedule = Schedule.cron(try CronExpression(c.expression))
            let zone = try #require(TimeZone(identifier: c.zone))
            var t = Date(timeIntervalSince1970: Double(c.after))
            var got: [Int] = []
            for _ in c.fires {
                guard let next = schedule.nextFire(after: t, in: zone) else { break }
                got.append(Int(next.timeIntervalSince1970))
                t = next
            }
            if got != c.fires {
                mismatches.append("\(c.expression) [\(c.zone)] after \(c.after): expected \(c.fires), got \(got)")
            }
        }
        #expect(
            mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5).joined(separator: "\n"))"
        )
    }
}
