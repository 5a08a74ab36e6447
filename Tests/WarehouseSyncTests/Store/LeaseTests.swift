import Foundation
import Testing
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
        #expect(try LeaseKeeper.acquire(model: "m", holder: "\(host):\(getpid()):r2", location: location, now: Date()) == nil)
        // A process that has exited: taken over.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        try store.releaseLease(model: "m", holder: "\(host):\(getpid()):r1")
        #expect(try store.acquireLease(model: "m", holder: "\(host):\(gone.processIdentifier):r3", ttl: .seconds(600), now: Date()))
        let keeper = try #require(try LeaseKeeper.acquire(model: "m", holder: "\(host):\(getpid()):r4", location: location, now: Date()))
        keeper.release()
        // Another host's holder is never judged from here: refused until it expires.
        #expect(try store.acquireLease(model: "m", holder: "elsewhere:1:r5", ttl: .seconds(600), now: Date()))
        #expect(try LeaseKeeper.acquire(model: "m", holder: "\(host):\(getpid()):r6", location: location, now: Date()) == nil)
    }
}
