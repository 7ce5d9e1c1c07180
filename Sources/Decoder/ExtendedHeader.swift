/// The extended transport headers that may follow the BTH (IBTA vol. 1, 9.3), plus the
/// reserved body of a RoCEv2 CNP, which the opcode table treats the same way.
public enum ExtendedHeader: UInt8, Sendable, CaseIterable {
    /// Reliable Datagram ETH: EE context.
    case rdeth
    /// Datagram ETH: Q_Key and source QP.
    case deth
    /// XRC ETH: XRC SRQ number.
    case xrceth
    /// RDMA ETH: virtual address, R_Key, DMA length.
    case reth
    /// Atomic ETH: virtual address, R_Key, swap/add and compare data.
    case atomicETH
    /// ACK ETH: syndrome and MSN.
    case aeth
    /// Atomic ACK ETH: original remote data.
    case atomicAckETH
    /// Immediate data.
    case immDt
    /// Invalidate ETH: the R_Key to invalidate.
    case ieth
    /// FLUSH ETH: selectivity level and placement type.
    case feth
    /// The 16 reserved bytes that follow the BTH of a RoCEv2 CNP.
    case cnpReserved

    /// Size of the header on the wire, in bytes.
    public var size: Int {
        switch self {
        case .rdeth, .xrceth, .aeth, .immDt, .ieth, .feth: 4
        case .deth, .atomicAckETH: 8
        case .reth, .cnpReserved: 16
        case .atomicETH: 28
        }
    }

    /// The name used in dumps and error messages ("RETH", "AtomicETH", ...).
    public var name: String {
        switch self {
        case .rdeth: "RDETH"
        case .deth: "DETH"
        case .xrceth: "XRCETH"
        case .reth: "RETH"
        case .atomicETH: "AtomicETH"
        case .aeth: "AETH"
        case .atomicAckETH: "AtomicAckETH"
        case .immDt: "ImmDt"
        case .ieth: "IETH"
        case .feth: "FETH"
        case .cnpReserved: "CNP"
        }
    }
}
