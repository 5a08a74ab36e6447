import Foundation

/// One difference between the model's result and its snapshot.
package struct Change {
    package enum Kind: UInt8 {
        case added = 1
        case changed = 2
        case removed = 3
    }
    package var kind: Kind
    package var key: String
    package var hash: UInt64
    /// The row's canonical traits (added, changed); empty for removed.
    package var traits: EncodedTraits
    /// Indexes into the model's trait list of the traits to write (added: all; changed: those that differ).
    package var setTraits: [Int]
    /// Trait names to remove from the profile (removed rows; traits a model no longer writes).
    package var unsetTraits: [String]
    /// The snapshot's traits before this change, in the previous run's trait order (changed,
    /// removed); empty for added. The change log's old values come from here.
    package var old: EncodedTraits

    package init(
        kind: Kind, key: String, hash: UInt64, traits: EncodedTraits, setTraits: [Int], unsetTraits: [String],
        old: EncodedTraits = EncodedTraits(bytes: [])
    ) {
        self.kind = kind
        self.key = key
        self.hash = hash
        self.traits = traits
        self.setTraits = setTraits
        self.unsetTraits = unsetTraits
        self.old = old
    }
}

/// Changes read back in the order they were written: a run's commit writes each into the store.
package protocol ChangeSource {
    /// Calls `body` with every change, in order.
    /// - Throws: `SpoolError` when the changes cannot be read back, or what `body` throws.
    func forEach(_ body: (Change) throws -> Void) throws
}

/// An append-only file of changes, so a run's memory does not grow with how much changed.
/// Deleted when closed. Another thread may read it while it is written (`follow`).
package final class ChangeSpool: ChangeSource {
    private let url: URL
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    package private(set) var count = 0
    /// Set by `follow`: told of every write, and read by another thread.
    private var follower: SpoolFollower?

    /// Where the spool lives (unlinked), for messages.
    private let directory: String

    /// - Throws: `SpoolError` when no file can be created in `directory`.
    package init(directory: URL = FileManager.default.temporaryDirectory) throws {
        self.directory = directory.path
        let path: String
        let fd: Int32
        do {
            (path, fd) = try PrivateFiles.createUnique(in: directory.path, prefix: "warehouse-sync-spool")
        } catch {
            throw SpoolError(
                "cannot create the run's change spool in \(directory.path): \(String(cString: strerror(errno)))",
                hint: "check that the directory exists and is writable, or point TMPDIR at one that is")
        }
        url = URL(fileURLWithPath: path)
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        unlink(path)  // unlinked now: nothing to clean up after a crash
    }

    deinit {
        follower?.abandon()
        try? handle.close()
    }

    /// A reader of this spool for another thread, which sees each change once it is written to the
    /// file (a megabyte at a time) and ends when `finishWriting` is called. Call before the first append.
    package func follow() -> SpoolFollower {
        let follower = SpoolFollower(handle: handle)
        self.follower = follower
        return follower
    }

    /// The trait names the changes' indexes refer to, for a follower: known once the result's columns are.
    package func announce(traitNames: [String]) { follower?.announce(traitNames: traitNames) }

    /// Writes what is buffered and tells the follower the spool is complete.
    /// - Throws: `SpoolError` when the file cannot be written (the follower is then abandoned).
    package func finishWriting() throws {
        do {
            try flush()
        } catch {
            follower?.abandon()
            throw error
        }
        follower?.end()
    }

    func append(_ change: Change) throws {
        buffer.append(change.kind.rawValue)
        appendLength(change.key.utf8.count)
        buffer.append(contentsOf: change.key.utf8)
        withUnsafeBytes(of: change.hash.littleEndian) { buffer.append(contentsOf: $0) }
        appendBytes(change.traits.bytes)
        appendLength(change.setTraits.count)
        for index in change.setTraits { appendLength(index) }
        appendLength(change.unsetTraits.count)
        for name in change.unsetTraits { appendBytes(Array(name.utf8)) }
        appendBytes(change.old.bytes)
        count += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func appendLength(_ n: Int) {
        withUnsafeBytes(of: UInt32(n).littleEndian) { buffer.append(contentsOf: $0) }
    }
    private func appendBytes(_ bytes: [UInt8]) {
        appendLength(bytes.count)
        buffer.append(contentsOf: bytes)
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
            follower?.wrote(buffer.count)
        } catch {
            throw SpoolError(
                "cannot write the run's change spool in \(directory): \(Self.reason(error))",
                hint: "free space there, or point TMPDIR at a directory with room for the run's changes")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private static func reason(_ error: Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let code = underlying?.code, underlying?.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(code)))
        }
        return error.localizedDescription
    }

    /// Reads every change back, in the order written.
    package func forEach(_ body: (Change) throws -> Void) throws {
        try flush()
        try handle.seek(toOffset: 0)
        let handle = handle
        var reader = SpoolReader { try handle.read(upToCount: $0).map { Array($0) } }
        for _ in 0..<count { try body(try reader.next()) }
        try handle.seekToEnd()
    }
}

/// Decodes changes from the bytes `read` gives (at most the count asked for; nil or empty at the end).
struct SpoolReader {
    let read: (Int) throws -> [UInt8]?
    var data: [UInt8] = []
    var offset = 0
    /// The last trait-index list read: most changes repeat it (every added row sets all traits).
    var lastSet: [Int] = []

    mutating func need(_ n: Int) throws {
        while data.count - offset < n {
            guard let more = try read(max(1 << 20, n)), !more.isEmpty else {
                throw SpoolError(
                    "the run's change spool ended early", hint: "rerun the model; check the temporary directory's disk")
            }
            data = Array(data[offset...]) + more
            offset = 0
        }
    }
    /// Whether another change follows (false only at the end of the bytes, between two changes).
    mutating func hasMore() throws -> Bool {
        if offset < data.count { return true }
        guard let more = try read(1 << 20), !more.isEmpty else { return false }
        data = more
        offset = 0
        return true
    }
    mutating func byte() throws -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return data[offset]
    }
    mutating func length() throws -> Int {
        try need(4)
        defer { offset += 4 }
        return Int(data[offset]) | Int(data[offset + 1]) << 8 | Int(data[offset + 2]) << 16 | Int(data[offset + 3])
            << 24
    }
    mutating func bytes() throws -> [UInt8] {
        let n = try length()
        try need(n)
        defer { offset += n }
        return Array(data[offset..<offset + n])
    }
    mutating func next() throws -> Change {
        let tag = try byte()
        guard let kind = Change.Kind(rawValue: tag) else {
            throw SpoolError(
                "the run's change spool is damaged: change kind \(tag) is unknown",
                hint: "rerun the model; if it happens again, the temporary directory's disk may be failing")
        }
        let key = String(decoding: try bytes(), as: UTF8.self)
        try need(8)
        var hash: UInt64 = 0
        for i in 0..<8 { hash |= UInt64(data[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        let traits = EncodedTraits(bytes: try bytes())
        let setCount = try length()
        var same = setCount == lastSet.count
        var set: [Int] = []
        for i in 0..<setCount {
            let index = try length()
            if same && lastSet[i] != index {
                same = false
                set = Array(lastSet[..<i])
            }
            if !same { set.append(index) }
        }
        if same { set = lastSet } else { lastSet = set }
        let unsetCount = try length()
        var unset: [String] = []
        for _ in 0..<unsetCount { unset.append(String(decoding: try bytes(), as: UTF8.self)) }
        let old = EncodedTraits(bytes: try bytes())
        return Change(kind: kind, key: key, hash: hash, traits: traits, setTraits: set, unsetTraits: unset, old: old)
    }
}

/// The change spool (a local temporary file) could not be written or read back.
package struct SpoolError: Error, CustomStringConvertible {
    package var message: String
    package var hint: String?
    package init(_ message: String, hint: String) {
        self.message = message
        self.hint = hint
    }
    package var description: String { message + (hint.map { "\n  hint: \($0)" } ?? "") }
}
