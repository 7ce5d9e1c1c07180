/// The framing a packet starts with, named after the pcap LINKTYPE_ registry: the one table
/// of the link-type numbers rdmatop decodes (`PcapLinkType` in Capture takes its numbers from
/// here and adds the ones it only names).
public enum LinkType: Sendable, Hashable, CaseIterable {
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

    /// Numbers that some systems write for raw IP instead of 101 (DLT_RAW on BSDs).
    static let rawIPAliases: [UInt32] = [12, 14]

    /// Maps a pcap/pcapng link type number; nil for link types rdmatop cannot decode.
    public init?(pcapLinkType: UInt32) {
        let number = pcapLinkType & 0x0FFF_FFFF  // the upper bits carry FCS information
        if LinkType.rawIPAliases.contains(number) {
            self = .rawIP
        } else if let known = LinkType.allCases.first(where: { $0.pcapLinkType == number }) {
            self = known
        } else {
            return nil
        }
    }
}
