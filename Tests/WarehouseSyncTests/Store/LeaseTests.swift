import Foundation
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

@Suite struct LeaseTests {
    @Test(arguments: StoreKind.allCases)
    func oneHolderAtATimeUntilExpiry(store kind: StoreKind) throws {
        let f = try SyncFixture(store: kind, source: .sqlite)
        let store = try f.store()
        let now = Date()
        #expect(try store.acquireLease(model: "m", holder: "a", ttl: .seconds(60), now: now))
        #expect(try !store.acquireLease(model: "m", holder: "b", ttl: .seconds(60), now: now.addingTimeInterval(30)))
        #expect(try store.acquireLease(model: "m", holder: "a", ttl: .seconds(60), now: now.addingTimeInterval(30)))
        #expect(try store.acquireLease(model: "other", holder: "b", ttl: .seconds(60), now: now))
        #expect(try store.acquireLease(model: "m", holder: "b", ttl: .seconds(60), now: now.addingTimeInterval(200)))
        try store.releaseLease(model: "m", holder: "b")
        #expect(try store.acquireLease(model: "m", holder: "c", ttl: .seconds(60), now: now.addingTimeInterval(201)))
    }

    @Test func aLeaseOfADeadLocalProcessIsTakenOverAndALiveOneIsNot() throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        let location = StoreLocation(url: Secret(f.storeURL), projectDirectory: f.directory)
        let host = ProcessInfo.processInfo.hostName
        let store = try f.store()
        // A live process of this host (this one) holds it: refused.
        #expect(try store.acquireLease(model: "m", holder: "\(host):\(getpid()):r1", ttl: .seconds(600), now: Date()))
        #expect(
            try LeaseKeeper.acquire(model: "m", holder: "\(host):\(getpid()):r2", location: location, now: { Date() })
                == nil)
        // A process that has exited: taken over.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        try store.releaseLease(model: "m", holder: "\(host):\(getpid()):r1")
        #expect(
            try store.acquireLease(
                model: "m", holder: "\(host):\(gone.processIdentifier):r3", ttl: .seconds(600), now: Date()))
        let keeper = try #require(
            try LeaseKeeper.acquire(model: "m", holder: "\(host):\(getpid()):r4", location: location, now: { Date() }))
        keeper.release()
        // Another host's holder is never judged from here: refused until it expires.
        #expect(try store.acquireLease(model: "m", holder: "elsewhere:1:r5", ttl: .seconds(600), now: Date()))
        #expect(
            try LeaseKeeper.acquire(model: "m", holder: "\(host):\(getpid()):r6", location: location, now: { Date() })
                == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func aRunThatLostItsLeaseCommitsNothing(store kind: StoreKind) throws {
        let f = try SyncFixture(store: kind)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        try f.model("slow", "-- key: id\n-- traits: v\nSELECT id, v FROM t, (SELECT pg_sleep(1.5)) s")
        let project = try f.project()
        let model = try #require(project.model(named: "slow"))
        let outcome = LockedBox<Result<SyncOutcome, Error>?>(nil)
        let thread = Thread {
            outcome.set(Result { try SyncRunner(project: project).run(model, options: SyncOptions()) })
        }
        thread.start()
        let store = try f.store()
        let deadline = Date().addingTimeInterval(10)
        while try store.leaseHolder(model: "slow") == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let ours = try #require(try store.leaseHolder(model: "slow"))
        // Another process takes the lease over, as it could after this run's lease expired.
        try store.releaseLease(model: "slow", holder: ours)
        #expect(try store.acquireLease(model: "slow", holder: "elsewhere:1:r9", ttl: .seconds(600), now: Date()))
        while outcome.get() == nil && Date() < deadline.addingTimeInterval(10) { Thread.sleep(forTimeInterval: 0.05) }
        let result = try #require(outcome.get())
        #expect(throws: StoreError.self) { try result.get() }
        if case .failure(let error) = result { #expect("\(error)".contains("lost its lease to elsewhere:1:r9")) }
        #expect(try f.traits("a") == [:])
        #expect(try store.leaseHolder(model: "slow") == "elsewhere:1:r9")
    }
}

/// A value shared with a thread, behind a lock.
final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    func get() -> T { lock.withLock { value } }
    func set(_ newValue: T) { lock.withLock { value = newValue } }
}
