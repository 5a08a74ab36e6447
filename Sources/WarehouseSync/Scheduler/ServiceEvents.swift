import Connectors
import Drivers
import Foundation
import Glibc
import Stores
import SyncCore
import Synchronization

/// What wakes the scheduler's loop.
enum ServiceEvent: Sendable {
    case wake
    case runEnded(model: String, end: RunEnd, record: RunRecord?, error: String?)
    case reload(String)
    case shutdown(String)
    /// A delivery pass ended: its reports and the outbox's state, for the metrics.
    case delivered([DeliveryReport], [DestinationStats])
}

/// SIGTERM and SIGINT ask for shutdown, SIGHUP for a reload; the default handlers are turned off.
///
/// The first shutdown signal also arms `deadline` on a thread of its own: whatever the loop is
/// waiting on (a store commit stuck behind a lock, a cancel to an unreachable host), it runs.
/// Unchecked: its only state is the immutable list of dispatch sources, which are thread-safe.
final class SignalEvents: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]

    init(
        _ continuation: AsyncStream<ServiceEvent>.Continuation,
        deadline: (seconds: TimeInterval, action: @Sendable () -> Void)
    ) {
        let armed = DispatchQueue(label: "warehouse-sync.shutdown-deadline")
        let isArmed = Atomic(false)
        var sources: [DispatchSourceSignal] = []
        for (number, event) in [
            (SIGTERM, ServiceEvent.shutdown("SIGTERM")), (SIGINT, .shutdown("SIGINT")), (SIGHUP, .reload("SIGHUP")),
        ] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: armed)
            source.setEventHandler {
                if number != SIGHUP && !isArmed.exchange(true, ordering: .relaxed) {
                    armed.asyncAfter(deadline: .now() + deadline.seconds, execute: deadline.action)
                }
                continuation.yield(event)
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func cancel() { sources.forEach { $0.cancel() } }
}

/// Watches the project's config file and models/ with inotify, and the dbt manifest where models
/// read through it (a `dbt parse` for another target changes what they read, docs/dbt.md), and asks
/// for a reload when one is written, created, moved or deleted.
/// Unchecked: its state is an immutable descriptor and a thread-safe dispatch source.
final class FileWatcher: @unchecked Sendable {
    private let descriptor: Int32
    private let source: DispatchSourceRead

    /// - Parameter manifest: the dbt manifest the project's models resolve through; nil for none. Its
    ///   directory is watched from the start only if it exists then (a reload watches it anew).
    init?(project: URL, manifest: URL? = nil, _ continuation: AsyncStream<ServiceEvent>.Continuation) {
        descriptor = inotify_init1(Int32(IN_NONBLOCK) | Int32(IN_CLOEXEC))
        guard descriptor >= 0 else { return nil }
        let mask =
            UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_MOVED_FROM) | UInt32(IN_CREATE) | UInt32(IN_DELETE)
        _ = inotify_add_watch(descriptor, project.path, mask)
        _ = inotify_add_watch(descriptor, project.appendingPathComponent(Project.modelsDirectoryName).path, mask)
        if let manifest { _ = inotify_add_watch(descriptor, manifest.deletingLastPathComponent().path, mask) }
        let manifestName = manifest?.lastPathComponent
        let fd = descriptor
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: .global())
        source.setEventHandler {
            var buffer = [UInt8](repeating: 0, count: 4096)
            var relevant = false
            while true {
                let count = read(fd, &buffer, buffer.count)
                guard count > 0 else { break }
                var offset = 0
                while offset + 16 <= count {
                    let length =
                        Int(buffer[offset + 12]) | Int(buffer[offset + 13]) << 8 | Int(buffer[offset + 14]) << 16 | Int(
                            buffer[offset + 15]) << 24
                    let nameBytes = buffer[(offset + 16)..<min(count, offset + 16 + length)].prefix { $0 != 0 }
                    let name = String(decoding: nameBytes, as: UTF8.self)
                    if name.hasSuffix(".sql") || name == Project.configFileName || name == Project.modelsDirectoryName
                        || name == manifestName
                    {
                        relevant = true
                    }
                    offset += 16 + length
                }
            }
            if relevant { continuation.yield(.reload("files changed")) }
        }
        source.resume()
    }

    func cancel() {
        source.cancel()
        close(descriptor)
    }
}
