import Foundation

/// Files WarehouseSync creates hold customer data or what it says about runs: they are created
/// for their owner only, never through a symlink someone planted, and never by reusing a file.
package enum PrivateFiles {
    /// The mode of files that hold profiles, snapshots and spooled changes.
    static let ownerOnly: mode_t = 0o600
    /// The mode of the metrics file, so a node exporter's group can read it.
    package static let groupReadable: mode_t = 0o640

    /// Creates `directory` and its missing parents, each for its owner only (0700).
    /// - Throws: `StoreError` naming the directory and the system's reason.
    package static func makeDirectory(_ directory: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            let reason = underlying.map { String(cString: strerror(Int32($0.code))) } ?? error.localizedDescription
            throw StoreError(
                "cannot create the directory \(directory): \(reason)",
                hint: "create it, or point [store] url at a writable place", code: .file)
        }
    }

    /// Creates the file at `path` with `mode` unless something is there already (a file is kept
    /// as it is; a symlink is neither followed nor replaced).
    package static func createIfMissing(_ path: String, mode: mode_t = ownerOnly) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        if fd >= 0 {
            fchmod(fd, mode)  // the process's umask may have taken bits away; these are the ones meant
            close(fd)
        }
    }

    /// Throws when `path` is a symbolic link: a file of customer data is never written through one.
    /// - Throws: `StoreError` naming the path and what to do.
    package static func refuseLink(_ path: String, what: String) throws {
        var info = stat()
        if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK {
            throw StoreError(
                "\(what) \(path) is a symbolic link; WarehouseSync does not write customer data through links. "
                    + "Point the config at the real file", code: .location)
        }
    }

    /// Takes group and other permissions off `path` if it has any (a store file made by an earlier
    /// version, or one planted with a looser mode); a file someone else owns is left alone.
    package static func restrictToOwner(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_mode & 0o077 != 0,
            info.st_uid == getuid()
        else { return }
        chmod(path, info.st_mode & 0o700)
    }

    /// A new, uniquely named file in `directory`, opened for reading and writing, created with
    /// `O_EXCL` (so never a planted file or symlink) and mode `mode`.
    /// - Returns: its path and descriptor; the caller closes the descriptor.
    /// - Throws: `FileError` naming the directory, when the file cannot be created.
    static func createUnique(in directory: String, prefix: String, mode: mode_t = ownerOnly) throws -> (
        path: String, fd: Int32
    ) {
        var template = Array((directory as NSString).appendingPathComponent("\(prefix).XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw FileError.system(path: directory, "cannot create a file in \(directory)")
        }
        fchmod(fd, mode)
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (path, fd)
    }

    /// Replaces the file at `path` with `data` atomically: a new file in the same directory,
    /// written, synced, then renamed over the old one (a symlink at `path` is replaced, not followed).
    /// - Throws: `FileError` naming the path.
    package static func writeAtomically(_ data: Data, to path: String, mode: mode_t) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let (temporary, fd) = try createUnique(in: directory.isEmpty ? "." : directory, prefix: ".\(name)", mode: mode)
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            let code = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map { Int32($0.code) } ?? EIO
            unlink(temporary)
            throw FileError.system(path: path, "cannot write \(path)", errno: code)
        }
        guard rename(temporary, path) == 0 else {
            let error = FileError.system(path: path, "cannot replace \(path)")
            unlink(temporary)
            throw error
        }
    }
}
