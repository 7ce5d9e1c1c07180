/// A protocol layer, as named in decode errors.
public enum Layer: Sendable, Hashable, CustomStringConvertible {
    case ethernet
    case vlan
    case linuxCooked
    case ipv4
    case ipv6
    case ipv6Extension
    case udp
    case bth
    case header(ExtendedHeader)
    case payload
    case icrc

    public var description: String {
        switch self {
        case .ethernet: "Ethernet header"
        case .vlan: "VLAN tag"
        case .linuxCooked: "Linux cooked header"
        case .ipv4: "IPv4 header"
        case .ipv6: "IPv6 header"
        case .ipv6Extension: "IPv6 extension header"
        case .udp: "UDP header"
        case .bth: "BTH"
        case .header(let h): h.name
        case .payload: "payload"
        case .icrc: "ICRC"
        }
    }
}

/// Why a packet is not RoCEv2 at all (other traffic, not an error in the packet).
public enum NotRoCEReason: Sendable, Hashable, CustomStringConvertible {
    /// The EtherType (or cooked protocol) is neither IPv4 nor IPv6.
    case notIP(etherType: UInt16)
    /// The IP protocol / next header is not UDP.
    case notUDP(protocol: UInt8)
    /// The UDP destination port is not the RoCEv2 port.
    case otherPort(UInt16)
    /// A non-first IP fragment: it has no UDP header to look at.
    case laterFragment
    /// The capture's link type is not one rdmatop decodes.
    case unsupportedLinkType(UInt32)

    public var description: String {
        switch self {
        case .notIP(let t): "not IP (EtherType 0x" + String(t, radix: 16) + ")"
        case .notUDP(let p): "not UDP (IP protocol \(p))"
        case .otherPort(let p): "UDP port \(p) is not the RoCEv2 port"
        case .laterFragment: "non-first IP fragment"
        case .unsupportedLinkType(let l): "unsupported link type \(l)"
        }
    }
}

/// Why a length field does not fit the packet.
public enum LengthProblem: Sendable, Hashable, CustomStringConvertible {
    /// IPv4 IHL below 5.
    case ipv4HeaderLength(Int)
    /// The IP datagram length is below its header length or beyond the frame.
    case ipTotalLength(Int)
    /// The UDP length is below 8 or beyond the IP datagram.
    case udpLength(Int)
    /// The UDP payload is too short for the BTH, the opcode's extended headers and the ICRC.
    case headersExceedDatagram(needed: Int, available: Int)
    /// The BTH pad count is larger than the payload.
    case padExceedsPayload(pad: Int, payload: Int)
    /// The IP version nibble disagrees with the EtherType.
    case ipVersion(UInt8)

    public var description: String {
        switch self {
        case .ipv4HeaderLength(let l): "IPv4 header length \(l) is below 20"
        case .ipTotalLength(let l): "IP length \(l) does not fit the frame"
        case .udpLength(let l): "UDP length \(l) does not fit the IP datagram"
        case .headersExceedDatagram(let n, let a): "headers and ICRC need \(n) bytes, UDP carries \(a)"
        case .padExceedsPayload(let p, let l): "pad count \(p) exceeds the \(l)-byte payload"
        case .ipVersion(let v): "IP version \(v) does not match the EtherType"
        }
    }
}

/// A packet that could not be decoded, typed so counters and tests can tell the cases apart.
public enum DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not RoCEv2 traffic: not counted as malformed.
    case notRoCE(NotRoCEReason)
    /// The captured bytes end inside this layer.
    case truncated(Layer)
    /// A length field is inconsistent with the packet.
    case inconsistentLength(Layer, LengthProblem)
    /// A first IP fragment of a RoCEv2 datagram (RoCEv2 must not be fragmented).
    case fragmented

    /// Whether this is a RoCEv2 packet that is broken, as opposed to other traffic.
    public var isMalformed: Bool {
        if case .notRoCE = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .notRoCE(let r): "not RoCEv2: \(r)"
        case .truncated(let l): "truncated in the \(l)"
        case .inconsistentLength(let l, let p): "inconsistent \(l): \(p)"
        case .fragmented: "fragmented RoCEv2 datagram"
        }
    }

    /// A short machine-friendly tag ("truncated", "inconsistent_length", ...).
    public var kind: String {
        switch self {
        case .notRoCE: "not_roce"
        case .truncated: "truncated"
        case .inconsistentLength: "inconsistent_length"
        case .fragmented: "fragmented"
        }
    }
}
