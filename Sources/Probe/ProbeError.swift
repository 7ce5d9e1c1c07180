#if canImport(Glibc)
import Glibc
#endif

/// Why the probe could not start or run. Each case reads as one line.
public enum ProbeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The process lacks capabilities the probe needs.
    case missingCapabilities([String])
    /// No interface of that name.
    case noSuchInterface(String)
    /// Another XDP program is attached; `removal` says how to remove it.
    case xdpAlreadyAttached(interface: String, programID: UInt32, programName: String, mode: String, removal: String)
    /// Another tc filter (or a live rdmatop) holds rdmatop's egress slot.
    case tcSlotTaken(interface: String, detail: String)
    /// The kernel's verifier rejected a program; its log was saved.
    case verifierRejected(program: String, logPath: String, reason: String)
    /// The running kernel lacks a feature.
    case kernelTooOld(release: String, feature: String, minimum: String)
    /// `--mode rdma` on a kernel without rdmatop's series.
    case rdmaModeUnsupported(release: String)
    /// rdmatop's run directory is not safe to write in as root.
    case unsafeRunDirectory(path: String, reason: String)
    /// Any other failed system call.
    case system(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .missingCapabilities(let caps):
            return "attaching the probe needs \(caps.joined(separator: " and ")), which this process lacks; run rdmatop as root"
        case .noSuchInterface(let name):
            return "no such interface: \(name)"
        case .xdpAlreadyAttached(let iface, let id, let name, let mode, let removal):
            return "\(iface) already has an XDP program attached (\(mode) mode, id \(id), \"\(name)\"); rdmatop does not replace it. Remove it with: \(removal)"
        case .tcSlotTaken(let iface, let detail):
            return "cannot attach to \(iface)'s tc egress: \(detail)"
        case .verifierRejected(let program, let path, let reason):
            return "the kernel's BPF verifier rejected \(program) (\(reason)); its log is in \(path)"
        case .kernelTooOld(let release, let feature, let minimum):
            return "kernel \(release) is too old: rdmatop needs \(feature) (Linux \(minimum) or newer)"
        case .rdmaModeUnsupported(let release):
            return "kernel \(release) does not support XDP RDMA mode (XDP_FLAGS_RDMA): it needs rdmatop's kernel series (kernel-patches/); use --mode auto, xdp or tc"
        case .unsafeRunDirectory(let path, let reason):
            return "\(path) is \(reason); rdmatop keeps its locks there as root: remove it (rm -r \(path)) and start again"
        case .system(let operation, let err):
            return "\(operation): \(String(cString: strerror(err)))"
        }
    }
}
