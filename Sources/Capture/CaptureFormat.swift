/// The container format of a capture file.
public enum CaptureFormat: Sendable, Equatable, CustomStringConvertible {
    /// Classic libpcap format: one global header, then packet records.
    case pcap
    /// pcapng: a sequence of blocks, in one or more sections.
    case pcapng

    /// `"pcap"` or `"pcapng"`.
    public var description: String {
        switch self {
        case .pcap: return "pcap"
        case .pcapng: return "pcapng"
        }
    }
}

/// Which way a packet travelled through the capturing interface.
///
/// Only pcapng carries this (the direction bits of `epb_flags`); classic pcap packets are
/// always `.unknown`.
public enum PacketDirection: UInt8, Sendable, Equatable, CustomStringConvertible {
    /// The file does not say.
    case unknown = 0
    /// Received by the interface.
    case inbound = 1
    /// Sent by the interface.
    case outbound = 2

    /// `"unknown"`, `"inbound"` or `"outbound"`.
    public var description: String {
        switch self {
        case .unknown: return "unknown"
        case .inbound: return "inbound"
        case .outbound: return "outbound"
        }
    }
}
