import RoCE
import Stats

extension Snapshot {
    /// Builds the snapshot of `engine`'s counters.
    public init(engine: StatsEngine, source: Source, durationSeconds: Double? = nil) {
        self.source = source
        let span = engine.lastTimestamp - engine.firstTimestamp
        self.durationSeconds = durationSeconds ?? (engine.firstTimestamp == 0 ? 0 : Double(span) / 1e9)
        filter = engine.filter.isEmpty ? nil : engine.filter.description
        let t = engine.totals
        totals = TotalsEntry(packets: t.packets, bytes: t.bytes, rocePackets: t.rocePackets, roceBytes: t.roceBytes,
                             matched: t.matched, malformed: t.malformed, icrcChecked: t.icrcChecked,
                             icrcErrors: t.icrcErrors)
        qps = engine.flows.values
            .sorted { $0.packets != $1.packets ? $0.packets > $1.packets : $0.key < $1.key }
            .map { flow in
                QP(src: flow.key.source.description, dst: flow.key.destination.description, qpn: flow.key.qpn,
                   transport: flow.transport.name, direction: flow.direction.jsonName, packets: flow.packets,
                   bytes: flow.bytes, payloadBytes: flow.payloadBytes, icrcErrors: flow.icrcErrors,
                   opcodes: OrderedCounts(flow.opcodes.sorted.map { (OpcodeTable[$0.opcode].name, $0.count) }))
            }
        opcodes = engine.opcodes.enumerated()
            .filter { $0.element.packets > 0 }
            .sorted { $0.element.packets != $1.element.packets ? $0.element.packets > $1.element.packets : $0.offset < $1.offset }
            .map { index, total in
                let info = OpcodeTable[UInt8(index)]
                return Opcode(opcode: info.opcode, name: info.name, transport: info.transport.name,
                              packets: total.packets, bytes: total.bytes)
            }
        malformed = engine.malformed.values
            .sorted { $0.firstFrame < $1.firstFrame }
            .map { Malformed(kind: $0.kind, detail: $0.detail, count: $0.count, firstFrame: $0.firstFrame) }
    }
}

extension PacketDirection {
    /// "rx" / "tx" / nil.
    public var jsonName: String? {
        switch self {
        case .inbound: "rx"
        case .outbound: "tx"
        case .unknown: nil
        }
    }
}

extension Snapshot {
    /// Replaces the packet and byte totals with exact counts kept elsewhere (the probe's
    /// kernel counters, which stay exact when events are lost).
    public mutating func setExactTotals(packets: UInt64, bytes: UInt64, rocePackets: UInt64, roceBytes: UInt64) {
        totals.packets = packets
        totals.bytes = bytes
        totals.rocePackets = rocePackets
        totals.roceBytes = roceBytes
    }
}
