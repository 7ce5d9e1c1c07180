#if canImport(Glibc)
import Glibc
#endif

/// The Linux capabilities the probe needs, read from /proc/self/status.
public enum Capabilities {
    static let netAdmin = 12
    static let sysAdmin = 21
    static let perfmon = 38
    static let bpf = 39

    /// The effective capability set (bit n = capability n), or nil when unreadable.
    public static func effective() -> UInt64? {
        guard let status = readFile("/proc/self/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            return UInt64(line.dropFirst("CapEff:".count).trimmingSpaces(), radix: 16)
        }
        return nil
    }

    /// The capabilities missing for loading and attaching XDP and tc programs: CAP_BPF (or
    /// CAP_SYS_ADMIN) and CAP_NET_ADMIN.
    public static func missing(effective: UInt64) -> [String] {
        func has(_ bit: Int) -> Bool { effective & (1 << UInt64(bit)) != 0 }
        var missing: [String] = []
        if !has(bpf) && !has(sysAdmin) { missing.append("CAP_BPF") }
        if !has(netAdmin) { missing.append("CAP_NET_ADMIN") }
        return missing
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}

/// A small file's contents, or nil.
func readFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        data += chunk[0..<n]
    }
    return String(decoding: data, as: UTF8.self)
}
