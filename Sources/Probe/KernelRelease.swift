#if canImport(Glibc)
import Glibc
#endif

/// The running kernel's release and what rdmatop requires of it.
public struct KernelRelease: Sendable, Equatable, CustomStringConvertible {
    /// The release string, as `uname -r` prints it.
    public var text: String
    /// Major, minor, patch (missing parts are 0).
    public var version: (Int, Int, Int)

    public static func == (a: KernelRelease, b: KernelRelease) -> Bool { a.text == b.text }

    public init(_ text: String) {
        self.text = text
        let numbers = text.split(whereSeparator: { !$0.isNumber }).prefix(3).map { Int($0) ?? 0 }
        version = (numbers.count > 0 ? numbers[0] : 0, numbers.count > 1 ? numbers[1] : 0,
                   numbers.count > 2 ? numbers[2] : 0)
    }

    /// The running kernel.
    public static func current() -> KernelRelease {
        var u = utsname()
        uname(&u)
        let release = withUnsafeBytes(of: &u.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return KernelRelease(release)
    }

    public var description: String { text }

    /// The features the probe relies on, with the release that brought each.
    public static let requirements: [(feature: String, minimum: (Int, Int))] = [
        ("BPF ring buffers", (5, 8)),
        ("XDP attached through bpf_link", (5, 9)),
        ("bpf_xdp_load_bytes() and bpf_xdp_get_buff_len()", (5, 18)),
    ]

    /// The first requirement this kernel does not meet, or nil.
    public func missingRequirement() -> ProbeError? {
        for r in KernelRelease.requirements where (version.0, version.1) < r.minimum {
            return .kernelTooOld(release: text, feature: r.feature, minimum: "\(r.minimum.0).\(r.minimum.1)")
        }
        return nil
    }
}
