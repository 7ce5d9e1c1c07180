import RoCE

/// Named `LINKTYPE_` values, as they appear in the link-type field of a classic pcap file
/// header and of a pcapng interface description block. The ones rdmatop decodes come from
/// the decoder's `LinkType`, the one table of their numbers.
///
/// The reader reports link types as raw `UInt32` numbers so that any value passes through;
/// these constants name the ones an RDMA monitor is likely to meet. The registry of values is
/// kept by the tcpdump/libpcap project ("LINK-LAYER HEADER TYPES").
public enum PcapLinkType {
    /// `LINKTYPE_NULL`: BSD loopback, a 4-byte protocol family in host byte order.
    public static let null: UInt32 = 0
    /// `LINKTYPE_ETHERNET`: IEEE 802.3 Ethernet.
    public static let ethernet: UInt32 = LinkType.ethernet.pcapLinkType
    /// `LINKTYPE_RAW`: raw IPv4 or IPv6, told apart by the version nibble.
    public static let raw: UInt32 = LinkType.rawIP.pcapLinkType
    /// `LINKTYPE_IEEE802_11`: 802.11 wireless without radio header.
    public static let ieee802_11: UInt32 = 105
    /// `LINKTYPE_LOOP`: OpenBSD loopback, a 4-byte protocol family in network byte order.
    public static let loop: UInt32 = 108
    /// `LINKTYPE_LINUX_SLL`: Linux "cooked" capture, version 1 (16-byte header).
    public static let linuxSLL: UInt32 = LinkType.linuxSLL.pcapLinkType
    /// `LINKTYPE_IPOIB`: IP over InfiniBand (4-byte IPoIB header).
    public static let ipOverInfiniBand: UInt32 = 242
    /// `LINKTYPE_INFINIBAND`: raw InfiniBand frames starting with the LRH (e.g. from ibdump).
    public static let infiniBand: UInt32 = 247
    /// `LINKTYPE_NETLINK`: Linux netlink messages.
    public static let netlink: UInt32 = 253
    /// `LINKTYPE_IPV4`: raw IPv4.
    public static let ipv4: UInt32 = LinkType.ipv4.pcapLinkType
    /// `LINKTYPE_IPV6`: raw IPv6.
    public static let ipv6: UInt32 = LinkType.ipv6.pcapLinkType
    /// `LINKTYPE_LINUX_SLL2`: Linux "cooked" capture, version 2 (20-byte header).
    public static let linuxSLL2: UInt32 = LinkType.linuxSLL2.pcapLinkType
}
