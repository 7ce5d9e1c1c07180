import RoCE

/// Everything counted for one flow.
public struct FlowStats: Sendable {
    public let key: FlowKey
    /// Transport of the flow's first packet.
    public var transport: Transport
    /// Direction of the flow's packets as the source saw them (live capture, cooked pcap).
    public var direction: PacketDirection
    public var packets: UInt64 = 0
    /// Bytes on the wire (frame lengths).
    public var bytes: UInt64 = 0
    /// Payload bytes (pad excluded).
    public var payloadBytes: UInt64 = 0
    public var opcodes = OpcodeCounts()
    public var icrcErrors: UInt64 = 0
    /// Timestamps of the first and last packet, in nanoseconds since the epoch.
    public var firstSeen: Int64
    public var lastSeen: Int64

    public init(key: FlowKey, transport: Transport, direction: PacketDirection, timestamp: Int64) {
        self.key = key
        self.transport = transport
        self.direction = direction
        firstSeen = timestamp
        lastSeen = timestamp
    }
}
