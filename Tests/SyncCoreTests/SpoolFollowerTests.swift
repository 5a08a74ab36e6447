import Foundation
import Testing

@testable import SyncCore

/// A change spool read on another thread while the diff still writes it (a first sync's commit,
/// docs/how-it-works.md): every change once, in order, before the writing ends; never past an end.
@Suite struct SpoolFollowerTests {
    /// About 250 bytes in the spool, so a few thousand fill the megabyte it writes at a time.
    static func change(_ i: Int) -> Change {
        Change(
            kind: .added, key: "k\(i)", hash: UInt64(i),
            traits: EncodedTraits(values: ["\(i)", "\"\(String(repeating: "x", count: 200))\""]), setTraits: [0, 1],
            unsetTraits: [])
    }

    /// Starts a thread that follows `follower` into `read`.
    static func follow(_ follower: SpoolFollower, into read: Collected) {
        Thread {
            guard let names = follower.waitForChanges() else { return read.finish(names: nil, error: nil) }
            do {
                try follower.forEach { read.append($0) }
                read.finish(names: names, error: nil)
            } catch {
                read.finish(names: names, error: error)
            }
        }.start()
    }

    @Test func theFollowerReadsEveryChangeInOrderBeforeTheWritingEnds() throws {
        let spool = try ChangeSpool()
        let read = Collected()
        Self.follow(spool.follow(), into: read)
        spool.announce(traitNames: ["n", "s"])
        for i in 0..<10_000 { try spool.append(Self.change(i)) }
        // The first megabytes are in the file: the follower reads them while the spool is still open.
        #expect(read.waitForCount(atLeast: 1), "the follower read nothing before the spool ended")
        #expect(!read.isFinished)
        for i in 10_000..<20_000 { try spool.append(Self.change(i)) }
        try spool.finishWriting()
        #expect(read.waitUntilFinished())
        #expect(read.names == ["n", "s"] && read.error == nil)
        #expect(read.keys == (0..<20_000).map { "k\($0)" })
        #expect(read.hashes == (0..<20_000).map { UInt64($0) })
        #expect(read.last?.traits.values(count: 2) == ["19999", "\"\(String(repeating: "x", count: 200))\""])
    }

    @Test func aSpoolThatEndsWithNoChangeGivesItsTraitNamesAndNothingElse() throws {
        let spool = try ChangeSpool()
        let read = Collected()
        Self.follow(spool.follow(), into: read)
        spool.announce(traitNames: ["n"])
        try spool.finishWriting()
        #expect(read.waitUntilFinished())
        #expect(read.names == ["n"] && read.error == nil && read.keys.isEmpty)
    }

    @Test func anAbandonedSpoolEndsItsFollowerWithAnError() throws {
        let spool = try ChangeSpool()
        let follower = spool.follow()
        let read = Collected()
        Self.follow(follower, into: read)
        spool.announce(traitNames: ["n", "s"])
        for i in 0..<10_000 { try spool.append(Self.change(i)) }
        #expect(read.waitForCount(atLeast: 1))
        follower.abandon()
        #expect(read.waitUntilFinished())
        #expect(read.error is SpoolError)
        #expect(read.keys.count < 10_000, "a change never flushed was read")
    }

    @Test func aFollowerAbandonedBeforeAnyChangeGetsNoTraitNames() throws {
        let spool = try ChangeSpool()
        let follower = spool.follow()
        let read = Collected()
        Self.follow(follower, into: read)
        spool.announce(traitNames: ["n"])
        follower.abandon()
        #expect(read.waitUntilFinished())
        #expect(read.names == nil && read.keys.isEmpty)
    }
}

/// What a follower read, shared with the test's thread.
final class Collected: @unchecked Sendable {
    private let condition = NSCondition()
    private var changes: [Change] = []
    private(set) var names: [String]?
    private(set) var error: (any Error)?
    private var finished = false

    func append(_ change: Change) {
        condition.lock()
        changes.append(change)
        condition.broadcast()
        condition.unlock()
    }

    func finish(names: [String]?, error: (any Error)?) {
        condition.lock()
        self.names = names
        self.error = error
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    var isFinished: Bool { locked { finished } }
    var keys: [String] { locked { changes.map(\.key) } }
    var hashes: [UInt64] { locked { changes.map(\.hash) } }
    var last: Change? { locked { changes.last } }

    /// Waits up to a minute for `count` changes; whether they came.
    func waitForCount(atLeast count: Int) -> Bool {
        wait { self.changes.count >= count }
    }

    /// Waits up to a minute for the follower to end; whether it did.
    func waitUntilFinished() -> Bool { wait { self.finished } }

    private func wait(_ done: () -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(60)
        while !done() { if !condition.wait(until: deadline) { return done() } }
        return true
    }

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }
}
