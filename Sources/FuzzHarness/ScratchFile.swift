#if canImport(Glibc)
import Glibc
#endif

/// One unlinked temporary file per process, rewritten with each input: the capture readers
/// take a descriptor or a path (`/proc/self/fd/N` reopens it from the start), and the file
/// pipeline runs the command line on that path as `rdmatop --read` would.
final class ScratchFile: @unchecked Sendable {
    static let shared = ScratchFile()
    let descriptor: Int32

    private init() {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array((directory + "/rdmatop-fuzz-XXXXXX").utf8CString)
        descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(descriptor >= 0, "cannot create a scratch file in \(directory)")
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }

    /// A path that opens the file from its start.
    var path: String { "/proc/self/fd/\(descriptor)" }

    /// Replaces the file's contents with `bytes` and rewinds the descriptor.
    func write(_ bytes: UnsafeRawBufferPointer) {
        _ = ftruncate(descriptor, 0)
        var offset = 0
        while offset < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset, off_t(offset))
            precondition(n > 0 || errno == EINTR, "cannot write the scratch file")
            if n > 0 { offset += n }
        }
        _ = lseek(descriptor, 0, SEEK_SET)
    }
}
