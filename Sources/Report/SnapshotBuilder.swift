import RoCE
import Stats

extension Snapshot {
    /// Builds the snapshot of `engine`'s counters. When the engine's packets came sampled
    /// (`EngineConfiguration.sampling`), `source.events` says so and the opcode table,
    /// which would count samples, stays empty.
    public init(engine: StatsEngine, source: Source, durationSeconds: Double? = nil) {
        let sampled = engine.configuration.sampling.samplesEveryFlow
        self.source = source
        self.source.events = switch engine.configuration.sampling {
        case .always: "sampled"
        case .underBacklog: "auto"
        case .off: "all"
        }
        self.durationSeconds = durationSeconds ?? Double(engine.timeSpan) / 1e9
        clocks = engine.clocks.domains
        filter = engine.filter.isEmpty ? nil : engine.filter.description
        totals = engine.totals
        packetsPerSecond = engine.packetRate.last
        bytesPerSecond = engine.byteRate.last
        evictedFlows = engine.evictions
        // Sorted in the engine's table: moving 10,000 FlowStats values around in a sort costs
        // ~100x more, and a copy of every flow first doubles the cost.
        flows = engine.flowsBusiestFirst
        var ops: [Opcode] = []
        for (index, total) in engine.opcodes.enumerated() where total.packets > 0 && !sampled {
            let info = OpcodeTable[UInt8(index)]
            ops.append(Opcode(opcode: info.opcode, name: info.name, transport: info.transport.name,
                              packets: total.packets, bytes: total.bytes,
                              packetsPerSecond: engine.opcodeRates[info.opcode]?.last ?? 0))
        }
        opcodes = ops.sorted { $0.packets != $1.packets ? $0.packets > $1.packets : $0.opcode < $1.opcode }
        malformed = engine.malformed.values.sorted { $0.firstFrame < $1.firstFrame }
    }

    /// The snapshot's order of flows: most packets first, then by key (as `flowsBusiestFirst`).
    static func busiestFirst(_ a: FlowStats, _ b: FlowStats) -> Bool {
        a.packets != b.packets ? a.packets > b.packets : a.key < b.key
    }

    /// Replaces the packet and byte totals with exact counts kept elsewhere (the probe's
    /// kernel counters, which stay exact when events are lost).
    public mutating func setExactTotals(_ exact: ExactTotals) { totals.take(exact) }
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
