import RoCE

/// Identifies one direction of a RoCE conversation: source IP, destination IP, destination
/// QPN. The BTH carries only the destination QPN, so the reverse direction (ACKs, READ
/// responses) of a requester's flow is the flow with the addresses swapped and the
/// requester's QPN.
public struct FlowKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var source: IPAddress
    public var destination: IPAddress
    public var qpn: UInt32

    public init(source: IPAddress, destination: IPAddress, qpn: UInt32) {
        self.source = source
        self.destination = destination
        self.qpn = qpn
    }

    /// The key of `packet`'s flow.
    public init(_ packet: RoCEPacket) {
        self.init(source: packet.ip.source, destination: packet.ip.destination, qpn: packet.bth.destQP)
    }

    /// Two words instead of seven: flows are looked up for every packet.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(source.high ^ (destination.high &* 0x9E37_79B9_7F4A_7C15) ^ (source.isIPv4 ? 1 : 0))
        hasher.combine(source.low ^ (destination.low << 29 | destination.low >> 35) ^ UInt64(qpn) << 40 ^ UInt64(qpn))
    }

    public static func < (a: FlowKey, b: FlowKey) -> Bool {
        if a.qpn != b.qpn { return a.qpn < b.qpn }
        if a.source != b.source { return a.source < b.source }
        return a.destination < b.destination
    }

    public var description: String { "\(source) > \(destination) qpn 0x" + String(qpn, radix: 16) }
}
