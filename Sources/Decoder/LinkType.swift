/// The framing a packet starts with, named after the pcap LINKTYPE_ registry.
public enum LinkType: Sendable, Hashable {
    /// Ethernet II, possibly with 802.1Q / 802.1ad tags (LINKTYPE_ETHERNET, 1).
    case ethernet
    /// Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113), as `tcpdump -i any` writes.
    case linuxSLL
    /// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276).
    case linuxSLL2
    /// Raw IP, version taken from the first nibble (LINKTYPE_RAW, 101; also DLT_RAW 12/14).
    case rawIP
    /// Raw IPv4 (LINKTYPE_IPV4, 228).
    case ipv4
    /// Raw IPv6 (LINKTYPE_IPV6, 229).
    case ipv6

    /// Maps a pcap/pcapng link type number; nil for link types rdmatop cannot decode.
    public init?(pcapLinkType: UInt32) {
        switch pcapLinkType & 0x0FFF_FFFF {  // the upper bits carry FCS information
        case 1: self = .ethernet
        case 113: self = .linuxSLL
        case 276: self = .linuxSLL2
        case 101, 12, 14: self = .rawIP
        case 228: self = .ipv4
        case 229: self = .ipv6
        default: return nil
        }
    }

    /// The pcap link type number written to capture files.
    public var pcapLinkType: UInt32 {
        switch self {
        case .ethernet: 1
        case .linuxSLL: 113
        case .linuxSLL2: 276
        case .rawIP: 101
        case .ipv4: 228
        case .ipv6: 229
        }
    }
}
