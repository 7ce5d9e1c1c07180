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
