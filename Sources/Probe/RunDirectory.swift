#if canImport(Glibc)
import Glibc
#endif

/// /run/rdmatop: where rdmatop keeps its tc lock files and verifier logs. It is root's
/// alone: created with mode 0700, and used only when it is a real directory (not a symbolic
/// link) owned by this user that nobody else can write; an older one of mode 0755 (made by
/// an earlier rdmatop) is tightened to 0700.
enum RunDirectory {
    static let path = "/run/rdmatop"

    /// Makes sure the directory is safe to use, creating it if needed.
    static func prepare() throws(ProbeError) -> String {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw .system(operation: "creating \(path)", errno: errno)
        }
        // Opened without following a link, then checked through the descriptor: no window
        // between the check and the use of the name that a rename could slip into.
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .unsafeRunDirectory(path: path, reason: "not a directory (a symbolic link?)") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .system(operation: "checking \(path)", errno: errno) }
        guard st.st_uid == geteuid() else {
            throw .unsafeRunDirectory(path: path, reason: "owned by uid \(st.st_uid), not by this user")
        }
        if st.st_mode & 0o077 != 0 && fchmod(fd, 0o700) != 0 {
            throw .unsafeRunDirectory(path: path, reason: "others can write it, and its mode cannot be changed")
        }
        return path
    }

    /// A new file for a verifier log in the directory, `verifier-PID-XXXXXX.log` (mkstemps:
    /// a fresh name, mode 0600, never an existing file).
    static func newLogFile() throws(ProbeError) -> (descriptor: Int32, path: String) {
        var template = Array("\(try prepare())/verifier-\(getpid())-XXXXXX.log".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
        guard fd >= 0 else { throw .system(operation: "creating a verifier log in \(path)", errno: errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return (fd, String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
