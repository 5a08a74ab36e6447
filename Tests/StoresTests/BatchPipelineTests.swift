import Foundation
import Synchronization
import Testing

@testable import Stores

/// The store writer's pipeline: batches run one at a time, in order, off the caller's thread; a
/// failed batch stops the rest and surfaces; releasing the pipeline waits for the batch in flight.
@Suite struct BatchPipelineTests {
    struct Failed: Error, Equatable { let batch: Int }

    @Test func batchesRunInOrderOneAtATimeOffTheCallersThread() throws {
        let log = Mutex<[Int]>([])
        let inFlight = Mutex(0)
        let maxInFlight = Mutex(0)
        let callerThread = Mutex<Thread?>(Thread.current)
        let offThread = Mutex(true)
        let pipeline = BatchPipeline(name: "test.pipeline")
        for batch in 0..<50 {
            try pipeline.submit {
                let now = inFlight.withLock {
                    $0 += 1
                    return $0
                }
                maxInFlight.withLock { $0 = max($0, now) }
                if callerThread.withLock({ $0 === Thread.current }) { offThread.withLock { $0 = false } }
                Thread.sleep(forTimeInterval: 0.001)
                log.withLock { $0.append(batch) }
                inFlight.withLock { $0 -= 1 }
            }
        }
        try pipeline.drain()
        #expect(log.withLock { $0 } == Array(0..<50))
        #expect(maxInFlight.withLock { $0 } == 1)
        #expect(offThread.withLock { $0 })
    }

    @Test func aFailedBatchStopsTheRestAndSurfaces() throws {
        let ran = Mutex<[Int]>([])
        let pipeline = BatchPipeline(name: "test.pipeline")
        try pipeline.submit { ran.withLock { $0.append(0) } }
        try pipeline.submit {
            ran.withLock { $0.append(1) }
            throw Failed(batch: 1)
        }
        // The failure surfaces at the next submit (once batch 1 is done) or at drain; nothing after runs.
        #expect(throws: Failed(batch: 1)) {
            try pipeline.submit { ran.withLock { $0.append(2) } }
            try pipeline.drain()
        }
        #expect(throws: Failed(batch: 1)) { try pipeline.drain() }
        #expect(ran.withLock { $0 } == [0, 1])
    }

    @Test func releasingThePipelineWaitsForTheBatchInFlight() throws {
        let finished = Mutex(false)
        let started = DispatchSemaphore(value: 0)
        do {
            let pipeline = BatchPipeline(name: "test.pipeline")
            try pipeline.submit {
                started.signal()
                Thread.sleep(forTimeInterval: 0.2)
                finished.withLock { $0 = true }
            }
            withExtendedLifetime(pipeline) { started.wait() }
        }
        // A rollback after an error runs here: the batch must be done with the connection.
        #expect(finished.withLock { $0 })
    }
}
