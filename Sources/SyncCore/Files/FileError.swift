import Foundation

/// A file WarehouseSync writes (the metrics file, a spool, a temporary file) could not be created,
/// written or replaced: the path, the system's reason, and whether a later try may succeed.
public struct FileError: ReportedError, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    /// The `errno` the system gave, 0 when it gave none.
    public var errno: Int32
    /// A full disk or an interrupted call may succeed later; a missing directory, a permission or
    /// a read-only file system will not.
    public var isTransient: Bool { [ENOSPC, EAGAIN, EINTR, EIO, EDQUOT].contains(errno) }

    public init(path: String, _ message: String, errno: Int32) {
        self.path = path
        self.message = message
        self.errno = errno
    }

    /// `message: reason`, with the system's reason for `errno`.
    static func system(path: String, _ message: String, errno: Int32 = Foundation.errno) -> FileError {
        FileError(path: path, "\(message): \(String(cString: strerror(errno)))", errno: errno)
    }

    public var description: String { message }
    public var errorCode: String { errno == ENOSPC || errno == EDQUOT ? "file.disk_full" : "file.failed" }
    public var hint: String? { nil }
}
