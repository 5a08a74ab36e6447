import Foundation

/// Reads a `ChangeSpool` on another thread while the diff still writes it: a first sync's commit
/// writes each change into the store while the rows are still read (docs/how-it-works.md). It reads
/// the spool's file at offsets of its own (`pread`), only bytes already written, and waits for more
/// until the spool ends or is abandoned.
package final class SpoolFollower: ChangeSource, @unchecked Sendable {
    private let handle: FileHandle
    /// Guards everything below.
    private let condition = NSCondition()
    private var written = 0
    private var traitNames: [String]?
    private var ended = false
    private var abandoned = false

    init(handle: FileHandle) { self.handle = handle }

    func wrote(_ count: Int) {
        condition.lock()
        written += count
        condition.broadcast()
        condition.unlock()
    }

    func announce(traitNames: [String]) {
        condition.lock()
        self.traitNames = traitNames
        condition.broadcast()
        condition.unlock()
    }

    func end() {
        condition.lock()
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    /// Wakes the reader, whose `forEach` and `waitForTraitNames` then end: the changes will not be complete.
    package func abandon() {
        condition.lock()
        abandoned = true
        condition.broadcast()
        condition.unlock()
    }

    /// The result's trait names, once the first changes are in the file (a megabyte of them) or the
    /// spool is complete; nil when it is abandoned first.
    package func waitForChanges() -> [String]? {
        condition.lock()
        defer { condition.unlock() }
        while !abandoned && !ended && (traitNames == nil || written == 0) { condition.wait() }
        return abandoned ? nil : traitNames
    }

    /// Calls `body` with each change as soon as it is in the file, until the spool ends.
    /// - Throws: `SpoolError` when the spool is abandoned (the run failed or was held) or cannot be read.
    package func forEach(_ body: (Change) throws -> Void) throws {
        var position = 0
        var reader = SpoolReader { [self] limit in
            let available = try waitForBytes(after: position)
            guard available > 0 else { return nil }
            var bytes = [UInt8](repeating: 0, count: min(limit, available))
            let count = bytes.withUnsafeMutableBytes {
                pread(handle.fileDescriptor, $0.baseAddress, $0.count, off_t(position))
            }
            guard count > 0 else {
                throw SpoolError(
                    "cannot read the run's change spool back: \(String(cString: strerror(errno)))",
                    hint: "rerun the model; check the temporary directory's disk")
            }
            position += count
            return Array(bytes[..<count])
        }
        while try reader.hasMore() { try body(try reader.next()) }
    }

    /// How many written bytes follow `position`, waiting for some; 0 once the spool has ended there.
    private func waitForBytes(after position: Int) throws -> Int {
        condition.lock()
        defer { condition.unlock() }
        while written <= position && !ended && !abandoned { condition.wait() }
        if abandoned {
            throw SpoolError("the run ended before its changes were complete", hint: "nothing of the run was written")
        }
        return written - position
    }
}
