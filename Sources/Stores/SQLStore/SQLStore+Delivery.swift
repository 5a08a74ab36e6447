import Foundation
import SyncCore

/// The outbox and each destination's delivery state (docs/destinations.md), written once for both engines.
extension SQLStore {
    package func pendingDeliveries(destination: String, limit: Int) throws -> [OutboxItem] {
        var items: [OutboxItem] = []
        try database.query(
            """
            SELECT o.run_seq, o.key, o.run, o.model, o.set_traits, o.unset_traits, \(d.epoch("o.enqueued_at")),
                o.attempts
            FROM \(table(.outbox)) o
            WHERE o.destination = \(d.param(1)) AND o.dead = 0 AND NOT EXISTS (
                SELECT 1 FROM \(table(.outbox)) e
                WHERE e.destination = o.destination AND e.key = o.key AND e.run_seq < o.run_seq)
            ORDER BY o.key, o.run_seq LIMIT \(d.param(2))
            """, [.text(destination), .integer(Int64(limit))]
        ) { row in
            items.append(
                OutboxItem(
                    destination: destination, runSeq: row.integer(0) ?? 0, key: row.text(1) ?? "",
                    run: row.text(2) ?? "", model: row.text(3) ?? "", setJSON: row.text(4) ?? "{}",
                    unsetJSON: row.text(5) ?? "[]", enqueuedAt: row.instant(6) ?? Date(timeIntervalSince1970: 0),
                    attempts: Int(row.integer(7) ?? 0)))
        }
        return items
    }

    package func deliveryState(destination: String) throws -> DeliveryState {
        try database.first(
            "SELECT failures, \(d.epoch("next_attempt_at")), last_error FROM \(table(.deliveries)) "
                + "WHERE destination = \(d.param(1))", [.text(destination)]
        ) { row in
            DeliveryState(failures: Int(row.integer(0) ?? 0), nextAttemptAt: row.instant(1), lastError: row.text(2))
        } ?? DeliveryState()
    }

    package func recordDelivered(_ items: [OutboxItem], destination: String) throws {
        try writing {
            // Counted by the rows deleted: two processes delivering one batch count it once.
            var deleted = 0
            for item in items {
                deleted += try database.run(
                    "DELETE FROM \(table(.outbox)) WHERE destination = \(d.param(1)) AND key = \(d.param(2)) "
                        + "AND run_seq = \(d.param(3))", [.text(destination), .text(item.key), .integer(item.runSeq)])
            }
            try database.run(
                """
                INSERT INTO \(table(.deliveries)) AS s (destination, delivered, failures)
                VALUES (\(d.param(1)), \(d.param(2)), 0)
                ON CONFLICT (destination) DO UPDATE SET delivered = s.delivered + excluded.delivered, failures = 0,
                    next_attempt_at = NULL, last_error = NULL
                """, [.text(destination), .integer(Int64(deleted))])
        }
    }

    package func recordRetry(_ items: [OutboxItem], destination: String, state: DeliveryState) throws {
        try writing {
            for item in items {
                try database.run(
                    "UPDATE \(table(.outbox)) SET attempts = attempts + 1 WHERE destination = \(d.param(1)) "
                        + "AND key = \(d.param(2)) AND run_seq = \(d.param(3))",
                    [.text(destination), .text(item.key), .integer(item.runSeq)])
            }
            try database.run(
                """
                INSERT INTO \(table(.deliveries)) AS s (destination, failures, next_attempt_at, last_error)
                VALUES (\(d.param(1)), \(d.param(2)), \(d.instantParam(3)), \(d.param(4)))
                ON CONFLICT (destination) DO UPDATE SET failures = excluded.failures,
                    next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error
                """,
                [
                    .text(destination), .integer(Int64(state.failures)),
                    state.nextAttemptAt.map { .real($0.timeIntervalSince1970) } ?? .null, StoreValue(state.lastError),
                ])
        }
    }

    package func recordDead(_ item: OutboxItem, status: Int?, response: String) throws {
        try database.run(
            """
            UPDATE \(table(.outbox)) SET dead = 1, attempts = attempts + 1, response_status = \(d.param(4)),
                response = \(d.param(5))
            WHERE destination = \(d.param(1)) AND key = \(d.param(2)) AND run_seq = \(d.param(3))
            """,
            [
                .text(item.destination), .text(item.key), .integer(item.runSeq),
                status.map { .integer(Int64($0)) } ?? .null,
                .text(response),
            ])
    }

    package func deliveryStats(names: [String], deadLetterLimit: Int) throws -> [DestinationStats] {
        var stats: [String: DestinationStats] = [:]
        for name in names { stats[name] = DestinationStats(destination: name) }
        try database.query(
            """
            SELECT destination, sum(1 - dead), sum(CASE WHEN dead = 0 AND attempts > 0 THEN 1 ELSE 0 END), sum(dead),
                \(d.epoch("min(CASE WHEN dead = 0 THEN enqueued_at END)"))
            FROM \(table(.outbox)) GROUP BY destination
            """, []
        ) { row in
            let name = row.text(0) ?? ""
            var entry = stats[name] ?? DestinationStats(destination: name)
            entry.pending = Int(row.integer(1) ?? 0)
            entry.retrying = Int(row.integer(2) ?? 0)
            entry.dead = Int(row.integer(3) ?? 0)
            entry.oldestPendingAt = row.instant(4)
            stats[name] = entry
        }
        try database.query(
            "SELECT destination, delivered, \(d.epoch("next_attempt_at")), last_error FROM \(table(.deliveries))", []
        ) { row in
            let name = row.text(0) ?? ""
            var entry = stats[name] ?? DestinationStats(destination: name)
            entry.delivered = Int(row.integer(1) ?? 0)
            entry.nextAttemptAt = row.instant(2)
            entry.lastError = row.text(3)
            stats[name] = entry
        }
        try database.query(
            """
            SELECT destination, key, model, run, response_status, response FROM \(table(.outbox))
            WHERE dead = 1 ORDER BY destination, run_seq, key
            """, []
        ) { row in
            let name = row.text(0) ?? ""
            guard var entry = stats[name], entry.deadLetters.count < deadLetterLimit else { return }
            entry.deadLetters.append(
                DeadLetter(
                    key: row.text(1) ?? "", model: row.text(2) ?? "", run: row.text(3) ?? "",
                    status: row.integer(4).map { Int($0) }, response: row.text(5)))
            stats[name] = entry
        }
        return stats.values.sorted { $0.destination < $1.destination }
    }

    package func retryDead(destination: String?) throws -> Int {
        try database.run(
            "UPDATE \(table(.outbox)) SET dead = 0, attempts = 0, response_status = NULL, response = NULL "
                + "WHERE dead = 1 AND (\(d.textParam(1)) IS NULL OR destination = \(d.param(1)))",
            [StoreValue(destination)])
    }

    package func dropDead(destination: String?) throws -> Int {
        try database.run(
            "DELETE FROM \(table(.outbox)) "
                + "WHERE dead = 1 AND (\(d.textParam(1)) IS NULL OR destination = \(d.param(1)))",
            [StoreValue(destination)])
    }

    /// Queues one profile's change for each destination (the revert's path; a sync's commit queues
    /// through the engine's bulk writer).
    func enqueue(
        _ entries: [ChangeLogEntry], key: String, runSeq: Int64, record: RunRecord, destinations: [String], at: Date
    ) throws {
        guard !entries.isEmpty else { return }
        let payload = outboxPayload(entries)
        for destination in destinations {
            try database.run(
                """
                INSERT INTO \(table(.outbox))
                    (destination, run_seq, key, run, model, set_traits, unset_traits, enqueued_at)
                VALUES (\(d.param(1)), \(d.param(2)), \(d.param(3)), \(d.param(4)), \(d.param(5)), \(d.param(6)),
                    \(d.param(7)), \(d.instantParam(8)))
                """,
                [
                    .text(destination), .integer(runSeq), .text(key), .text(record.id), .text(record.model),
                    .text(payload.set), .text(payload.unset), .real(at.timeIntervalSince1970),
                ])
        }
    }
}
