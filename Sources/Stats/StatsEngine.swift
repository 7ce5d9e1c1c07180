import RoCE

/// Turns decoded packets into per-flow and per-opcode statistics.
///
/// Totals count everything; flows and opcodes count the packets that pass `filter`.
public final class StatsEngine {
    /// Counters over every packet.
    public private(set) var totals = Totals()
    /// Per-flow statistics.
    public private(set) var flows: [FlowKey: FlowStats] = [:]
    /// Per-opcode totals, indexed by opcode.
    public private(set) var opcodes = [OpcodeTotal](repeating: OpcodeTotal(), count: 256)
    /// Malformed packets by error text.
    public private(set) var malformed: [String: MalformedEntry] = [:]
    /// Timestamps of the first and last packet, nanoseconds since the epoch (0 before any).
    public private(set) var firstTimestamp: Int64 = 0
    public private(set) var lastTimestamp: Int64 = 0
    /// Which packets the flow and opcode tables count.
    public var filter: PacketFilter

    public init(filter: PacketFilter = PacketFilter()) {
        self.filter = filter
    }

    private func stamp(_ timestamp: Int64, frameLength: Int) {
        totals.packets &+= 1
        totals.bytes &+= UInt64(max(0, frameLength))
        if timestamp != 0 {
            if firstTimestamp == 0 || timestamp < firstTimestamp { firstTimestamp = timestamp }
            if timestamp > lastTimestamp { lastTimestamp = timestamp }
        }
    }

    /// Counts a packet that is not RoCEv2.
    public func ingestOther(frameLength: Int, timestamp: Int64) {
        stamp(timestamp, frameLength: frameLength)
    }

    /// Counts a RoCEv2 packet that failed to decode.
    public func ingestMalformed(_ error: DecodeError, frameLength: Int, timestamp: Int64, frameNumber: UInt64) {
        stamp(timestamp, frameLength: frameLength)
        totals.malformed &+= 1
        let detail = error.description
        malformed[detail, default: MalformedEntry(kind: error.kind, detail: detail, count: 0, firstFrame: frameNumber)]
            .count &+= 1
    }

    /// Counts a decoded RoCEv2 packet.
    ///
    /// - Parameters:
    ///   - frameLength: the frame's length on the wire.
    ///   - direction: the direction the source reported (live capture), else the packet's own.
    public func ingest(_ packet: RoCEPacket, frameLength: Int, timestamp: Int64, direction: PacketDirection) {
        stamp(timestamp, frameLength: frameLength)
        let length = UInt64(max(0, frameLength))
        totals.rocePackets &+= 1
        totals.roceBytes &+= length
        var icrcError = false
        switch packet.icrcStatus {
        case .valid: totals.icrcChecked &+= 1
        case .invalid:
            totals.icrcChecked &+= 1
            totals.icrcErrors &+= 1
            icrcError = true
        case .notCaptured, .notChecked: break
        }
        guard filter.isEmpty || filter.matches(packet) else { return }
        totals.matched &+= 1
        let opcode = packet.bth.opcode
        opcodes[Int(opcode)].packets &+= 1
        opcodes[Int(opcode)].bytes &+= length
        let key = FlowKey(packet)
        let dir = direction == .unknown ? packet.linkDirection : direction
        flows[key, default: FlowStats(key: key, transport: packet.opcodeInfo.transport, direction: dir,
                                      timestamp: timestamp)]
            .count(packet, length: length, timestamp: timestamp, icrcError: icrcError)
    }
}

extension FlowStats {
    mutating func count(_ packet: RoCEPacket, length: UInt64, timestamp: Int64, icrcError: Bool) {
        packets &+= 1
        bytes &+= length
        payloadBytes &+= UInt64(packet.payloadLength)
        opcodes.add(packet.bth.opcode)
        if icrcError { icrcErrors &+= 1 }
        if timestamp > lastSeen { lastSeen = timestamp }
    }
}
