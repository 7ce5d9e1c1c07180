/// One 802.1Q or 802.1ad tag.
public struct VLANTag: Sendable, Hashable {
    /// The tag protocol identifier (0x8100, 0x88A8 or 0x9100).
    public var tpid: UInt16
    /// Priority code point (3 bits).
    public var priority: UInt8
    /// Drop eligible indicator.
    public var dropEligible: Bool
    /// VLAN identifier (12 bits).
    public var vid: UInt16

    public init(tpid: UInt16 = 0x8100, priority: UInt8 = 0, dropEligible: Bool = false, vid: UInt16) {
        self.tpid = tpid
        self.priority = priority & 7
        self.dropEligible = dropEligible
        self.vid = vid & 0xFFF
    }

    /// The tag control information word.
    public var tci: UInt16 { UInt16(priority) << 13 | (dropEligible ? 0x1000 : 0) | vid }
}

/// The Ethernet II header, with up to two VLAN tags (QinQ).
public struct EthernetHeader: Sendable, Hashable {
    public var destination: MACAddress
    public var source: MACAddress
    /// The outer tag, when tagged.
    public var outerTag: VLANTag?
    /// The inner tag of a QinQ frame.
    public var innerTag: VLANTag?
    /// The EtherType after the tags.
    public var etherType: UInt16

    public init(destination: MACAddress, source: MACAddress, outerTag: VLANTag? = nil,
                innerTag: VLANTag? = nil, etherType: UInt16) {
        self.destination = destination
        self.source = source
        self.outerTag = outerTag
        self.innerTag = innerTag
        self.etherType = etherType
    }

    /// Bytes on the wire: 14 plus 4 per tag.
    public var size: Int { 14 + (outerTag == nil ? 0 : 4) + (innerTag == nil ? 0 : 4) }
}

/// Explicit Congestion Notification codepoint of the IP header.
public enum ECN: UInt8, Sendable, Hashable, CaseIterable {
    case notECT = 0
    case ect1 = 1
    case ect0 = 2
    /// Congestion Experienced: a switch marked the packet.
    case ce = 3

    public var name: String {
        switch self {
        case .notECT: "Not-ECT"
        case .ect1: "ECT(1)"
        case .ect0: "ECT(0)"
        case .ce: "CE"
        }
    }
}

/// The fields of the IPv4 or IPv6 header that a RoCE monitor uses.
public struct IPHeader: Sendable, Hashable {
    /// 4 or 6.
    public var version: UInt8
    public var source: IPAddress
    public var destination: IPAddress
    /// Differentiated services code point (6 bits).
    public var dscp: UInt8
    public var ecn: ECN
    /// IPv4 TTL or IPv6 hop limit.
    public var ttl: UInt8
    /// Header length in bytes, IPv6 extension headers included.
    public var headerLength: Int
    /// IPv4 total length, or 40 + IPv6 payload length: the datagram's size.
    public var totalLength: Int
    /// IPv4 identification (0 for IPv6).
    public var identification: UInt16
    /// IPv4 Don't Fragment flag.
    public var dontFragment: Bool
    /// IPv4 header checksum (0 for IPv6).
    public var checksum: UInt16
    /// IPv6 flow label (0 for IPv4).
    public var flowLabel: UInt32

    public init(version: UInt8, source: IPAddress, destination: IPAddress, dscp: UInt8 = 0,
                ecn: ECN = .notECT, ttl: UInt8 = 64, headerLength: Int, totalLength: Int,
                identification: UInt16 = 0, dontFragment: Bool = true, checksum: UInt16 = 0,
                flowLabel: UInt32 = 0) {
        self.version = version
        self.source = source
        self.destination = destination
        self.dscp = dscp & 0x3F
        self.ecn = ecn
        self.ttl = ttl
        self.headerLength = headerLength
        self.totalLength = totalLength
        self.identification = identification
        self.dontFragment = dontFragment
        self.checksum = checksum
        self.flowLabel = flowLabel & 0xF_FFFF
    }
}

/// The UDP header.
public struct UDPHeader: Sendable, Hashable {
    public static let size = 8
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// Header plus payload, in bytes.
    public var length: Int
    public var checksum: UInt16

    public init(sourcePort: UInt16, destinationPort: UInt16, length: Int, checksum: UInt16 = 0) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = length
        self.checksum = checksum
    }
}

/// Which way a packet went through the capturing interface, when the capture records it:
/// the one direction type from the probe, the capture files and the link layer to the engine.
/// The raw values are pcapng's direction bits (`epb_flags` & 3); classic pcap has none.
public enum PacketDirection: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// The capture does not say.
    case unknown = 0
    /// Received by the capturing host.
    case inbound = 1
    /// Sent by the capturing host.
    case outbound = 2

    /// `"unknown"`, `"inbound"` or `"outbound"`.
    public var description: String {
        switch self {
        case .unknown: "unknown"
        case .inbound: "inbound"
        case .outbound: "outbound"
        }
    }
}
