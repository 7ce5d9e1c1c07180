/// Whose a QP is: what RDMA netlink says of the QP a flow is addressed to.
public struct QPOwner: Sendable, Equatable {
    /// Who owns it.
    public enum Kind: String, Sendable {
        /// A process (`pid`, `comm`).
        case process
        /// The kernel: QP 1 (GSI, the connection manager's MADs) or a kernel consumer's QP.
        case kernel
        /// The destination address is not one of this host's RDMA devices: a peer's QP.
        case remote
        /// A local device, but no such QP in its table (gone before rdmatop first looked).
        case unknown
    }

    public var kind: Kind
    public var pid: UInt32?
    /// The process's name (/proc/PID/comm), or the kernel module owning a kernel QP.
    public var comm: String?
    /// `enum ib_qp_type`.
    public var type: UInt8?
    /// `enum ib_qp_state`.
    public var state: UInt8?
    /// The RDMA device and port the QP lives on (local QPs).
    public var device: String?
    public var port: UInt32?
    /// The QP was in the device's table once and is no longer: what it was, kept.
    public var destroyed = false

    public init(kind: Kind, pid: UInt32? = nil, comm: String? = nil, type: UInt8? = nil, state: UInt8? = nil,
                device: String? = nil, port: UInt32? = nil) {
        self.kind = kind
        self.pid = pid
        self.comm = comm
        self.type = type
        self.state = state
        self.device = device
        self.port = port
    }

    /// `enum ib_qp_type` as `rdma resource show` names it ("RC", "UD", "GSI", ...).
    public var typeName: String? { type.map(Self.typeName) }
    /// `enum ib_qp_state` as `rdma resource show` names it ("RTS", "ERR", ...).
    public var stateName: String? { state.map(Self.stateName) }

    public static func typeName(_ t: UInt8) -> String {
        switch t {
        case 0: "SMI"
        case 1: "GSI"
        case 2: "RC"
        case 3: "UC"
        case 4: "UD"
        case 5: "RAW_IPV6"
        case 6: "RAW_ETHERTYPE"
        case 8: "RAW_PACKET"
        case 9: "XRC_INI"
        case 10: "XRC_TGT"
        default: "type \(t)"
        }
    }

    public static func stateName(_ s: UInt8) -> String {
        switch s {
        case 0: "RESET"
        case 1: "INIT"
        case 2: "RTR"
        case 3: "RTS"
        case 4: "SQD"
        case 5: "SQE"
        case 6: "ERR"
        default: "state \(s)"
        }
    }

    /// The short form of the view's PROCESS column: `comm/pid`, `kernel`, `remote`, `?`.
    public var label: String {
        switch kind {
        case .process: "\(comm ?? "?")/\(pid.map(String.init) ?? "?")"
        case .kernel: "kernel"
        case .remote: "remote"
        case .unknown: "?"
        }
    }
}
