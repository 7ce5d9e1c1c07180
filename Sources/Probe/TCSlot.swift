#if canImport(Glibc)
import Glibc
#endif

/// rdmatop's place on an interface's clsact egress hook, and the lock file that tells a live
/// rdmatop from the leftover of a killed one.
struct TCSlot {
    /// The filter handle and priority rdmatop uses ("RT", the RoCEv2 port).
    static let handle: UInt32 = 0x5254
    static let priority: UInt32 = 4791
    /// The program name the kernel reports for rdmatop's tc program (BPF names are at most
    /// 15 characters).
    static let programName = "rdmatop_tc"

    let ifindex: Int32

    /// /run/rdmatop/tc-NETNS-IFINDEX.pid: the PID of the rdmatop that owns the filter.
    var lockPath: String {
        var st = stat()
        let netns = stat("/proc/self/ns/net", &st) == 0 ? UInt64(st.st_ino) : 0
        return "/run/rdmatop/tc-\(netns)-\(ifindex).pid"
    }

    /// The PID in the lock file when that process is alive and is an rdmatop.
    func liveOwner() -> Int32? {
        guard let text = readFile(lockPath), let pid = Int32(text.split(separator: "\n").first ?? "") else { return nil }
        guard pid != getpid(), kill(pid, 0) == 0 || errno == EPERM else { return nil }
        let comm = readFile("/proc/\(pid)/comm")?.split(separator: "\n").first ?? ""
        return comm.hasPrefix("rdmatop") ? pid : nil
    }

    /// Whether the lock file's owner created the clsact qdisc (so whoever removes its
    /// leftover filter also removes the qdisc).
    func ownerCreatedQdisc() -> Bool {
        readFile(lockPath)?.split(separator: "\n").dropFirst().first == "created-qdisc"
    }

    /// Records this process as the owner.
    func claim(createdQdisc: Bool) {
        mkdir("/run/rdmatop", 0o755)
        let fd = open(lockPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        var text = "\(getpid())\n" + (createdQdisc ? "created-qdisc\n" : "")
        _ = text.withUTF8 { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    func release() {
        unlink(lockPath)
    }
}
