#if canImport(Glibc)
import Glibc
#endif

/// rdmatop's place on an interface's clsact egress hook.
enum TCSlot {
    /// The filter handle and priority rdmatop uses ("RT", the RoCEv2 port).
    static let handle: UInt32 = 0x5254
    static let priority: UInt32 = 4791
    /// The program name the kernel reports for rdmatop's tc program (BPF names are at most
    /// 15 characters).
    static let programName = "rdmatop_tc"
}

/// The lock that makes one rdmatop the owner of an interface's tc slot:
/// /run/rdmatop/tc-NETNS-IFINDEX.lock, held with flock(2) for as long as rdmatop runs. The
/// kernel releases it when the process ends, however it ends, so a lock that can be taken
/// means no live rdmatop owns the slot: a filter found there is a leftover, whatever PID was
/// written (PIDs are reused; the PID in the file is only for messages). The file also
/// records whether its owner created the clsact qdisc, for whoever cleans up after a
/// SIGKILL. A clean exit unlinks the file while still holding the lock; whoever locks a
/// file checks that its name still leads to it (else it locked one just unlinked, and
/// starts over), so two processes never hold two files of one name.
final class TCLock {
    private let descriptor: Int32
    let path: String
    /// Whether the previous owner, which did not exit cleanly, had created the clsact qdisc.
    let previousOwnerCreatedQdisc: Bool

    /// Why the lock could not be taken.
    enum Failure: Error {
        /// A live rdmatop holds it (its PID, as it wrote it, when readable).
        case held(pid: Int32?)
        case error(ProbeError)
    }

    /// Takes the lock of interface `ifindex` in this network namespace, without waiting.
    init(ifindex: Int32) throws(Failure) {
        let dir: String
        do { dir = try RunDirectory.prepare() } catch { throw .error(error) }
        var st = stat()
        let netns = stat("/proc/self/ns/net", &st) == 0 ? UInt64(st.st_ino) : 0
        path = "\(dir)/tc-\(netns)-\(ifindex).lock"
        var attempts = 0
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .error(.system(operation: "opening \(path)", errno: errno)) }
            var r: Int32
            repeat { r = flock(fd, LOCK_EX | LOCK_NB) } while r != 0 && errno == EINTR
            let text = TCLock.contents(fd)
            guard r == 0 else {
                let code = errno
                close(fd)
                if code == EWOULDBLOCK { throw .held(pid: text.split(separator: "\n").first.flatMap { Int32($0) }) }
                throw .error(.system(operation: "locking \(path)", errno: code))
            }
            var named = stat(), locked = stat()
            attempts += 1
            if fstat(fd, &locked) == 0 && stat(path, &named) == 0 && named.st_ino == locked.st_ino
                && named.st_dev == locked.st_dev || attempts >= 5 {
                descriptor = fd
                previousOwnerCreatedQdisc = text.split(separator: "\n").dropFirst().first == "created-qdisc"
                return
            }
            close(fd)  // unlinked by its owner's clean exit between our open and our lock
        }
    }

    deinit { release() }

    private static func contents(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = pread(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }

    private var released = false

    /// Records this process as the owner, and whether it created the clsact qdisc.
    func record(createdQdisc: Bool) {
        let text = "\(getpid())\n" + (createdQdisc ? "created-qdisc\n" : "")
        _ = ftruncate(descriptor, 0)
        var bytes = Array(text.utf8)
        _ = pwrite(descriptor, &bytes, bytes.count, 0)
    }

    /// Removes the file and lets go of the lock (closing the descriptor releases it).
    func release() {
        guard !released else { return }
        released = true
        unlink(path)
        close(descriptor)
    }
}
