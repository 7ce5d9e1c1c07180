/// The attach mode asked for on the command line.
public enum AttachMode: String, Sendable, CaseIterable {
    /// RDMA mode when the kernel has rdmatop's series, else XDP on ingress plus tc on egress.
    case auto
    /// XDP on the interface's receive path (native, falling back to generic).
    case xdp
    /// tc (clsact) on the interface's transmit path.
    case tc
    /// XDP in RDMA mode: rxe's transmit and receive paths (needs the kernel series).
    case rdma
}

/// A program attached and running.
public enum Hook: String, Sendable, Equatable {
    /// XDP in the driver (native mode).
    case xdp = "xdp"
    /// XDP in generic (skb) mode.
    case xdpGeneric = "xdp-generic"
    /// tc clsact egress.
    case tc = "tc"
    /// XDP in RDMA mode.
    case rdma = "rdma"
}
