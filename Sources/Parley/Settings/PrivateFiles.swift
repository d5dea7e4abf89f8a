import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files and folders only Parley's own user may read. Each is created with its final mode by the
/// system call that creates it: creating first and chmod-ing after leaves a moment in which
/// anyone on the machine can open it, and an open descriptor outlives the chmod.
enum PrivateFiles {
    /// Group and others: no bit of it may be set on a private file.
    static let groupAndOtherBits: mode_t = 0o077

    /// Creates every missing folder of `path` with mode 0700; existing ones are left as they are.
    static func createDirectory(_ path: String) throws {
        var partial = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") where !component.isEmpty {
            partial += (partial.isEmpty || partial.hasSuffix("/") ? "" : "/") + component
            // An existing folder may answer EACCES or EROFS rather than EEXIST when its parent is
            // not ours to write, so what counts is whether a folder is there afterwards.
            if mkdir(partial, 0o700) != 0 {
                let error = errno
                var status = stat()
                guard stat(partial, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                    throw Failure(path: partial, action: "could not create the folder", errno: error)
                }
            }
        }
    }

    /// Creates `path` with mode 0600 and `contents`, atomically: the bytes go to a fresh private
    /// file first, which is then hard-linked into place, so nobody ever reads a half-written file
    /// and two processes starting at once cannot both create it. Returns false when `path`
    /// already existed (its contents are then not touched).
    static func createExclusively(_ path: String, contents: [UInt8]) throws -> Bool {
        let staging = path + ".\(UUID().uuidString).tmp"
        let descriptor = open(staging, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(path: staging, action: "could not create", errno: errno) }
        defer { unlink(staging) }
        let written = contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == contents.count, synced else { throw Failure(path: staging, action: "could not write", errno: errno) }
        if link(staging, path) == 0 { return true }
        if errno == EEXIST { return false }
        throw Failure(path: path, action: "could not create", errno: errno)
    }

    /// Creates `path` empty with mode 0600 unless it exists.
    static func createIfAbsent(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor); return }
        if errno != EEXIST { throw Failure(path: path, action: "could not create", errno: errno) }
    }

    /// The permission bits of an existing file, or nil when there is none.
    static func mode(of path: String) throws -> mode_t? {
        var status = stat()
        if stat(path, &status) == 0 { return status.st_mode & 0o7777 }
        if errno == ENOENT { return nil }
        throw Failure(path: path, action: "could not inspect", errno: errno)
    }

    struct Failure: Error, CustomStringConvertible {
        let path: String
        let action: String
        let errno: Int32

        var description: String { "\(action) \(path): \(String(cString: strerror(errno)))" }
    }
}
