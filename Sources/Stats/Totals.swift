/// Counters over everything a source delivered, whatever the filter.
public struct Totals: Sendable, Hashable {
    /// Every packet read (RoCE or not).
    public var packets: UInt64 = 0
    /// Their bytes on the wire.
    public var bytes: UInt64 = 0
    /// Packets that decoded as RoCEv2.
    public var rocePackets: UInt64 = 0
    /// Their bytes on the wire.
    public var roceBytes: UInt64 = 0
    /// RoCEv2 packets that failed to decode (truncated, inconsistent lengths, fragmented).
    public var malformed: UInt64 = 0
    /// Packets whose ICRC was checked.
    public var icrcChecked: UInt64 = 0
    /// Packets whose ICRC did not match.
    public var icrcErrors: UInt64 = 0
    /// RoCEv2 packets that passed the filter.
    public var matched: UInt64 = 0

    public init() {}
}

/// Packets and bytes of one opcode over all flows.
public struct OpcodeTotal: Sendable, Hashable {
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    public init() {}
}

/// Malformed packets of one kind.
public struct MalformedEntry: Sendable, Hashable {
    /// The decode error's machine tag ("truncated", "inconsistent_length", "fragmented").
    public var kind: String
    /// The decode error as text.
    public var detail: String
    public var count: UInt64
    /// The frame number of the first packet with this error.
    public var firstFrame: UInt64
}

/// Packet and byte totals a source counted exactly (the probe's kernel counters stay exact
/// when the ring buffer drops events).
public struct ExactTotals: Sendable, Equatable {
    public var packets: UInt64
    public var bytes: UInt64
    public var rocePackets: UInt64
    public var roceBytes: UInt64

    public init(packets: UInt64, bytes: UInt64, rocePackets: UInt64, roceBytes: UInt64) {
        self.packets = packets
        self.bytes = bytes
        self.rocePackets = rocePackets
        self.roceBytes = roceBytes
    }
}

extension Totals {
    /// Takes the packet and byte totals from `exact` (the probe's kernel counters, exact when
    /// events are lost), keeping the counts only decoding gives (malformed, ICRC, matched):
    /// what every live output shows.
    public mutating func take(_ exact: ExactTotals) {
        packets = exact.packets
        bytes = exact.bytes
        rocePackets = exact.rocePackets
        roceBytes = exact.roceBytes
    }
}
