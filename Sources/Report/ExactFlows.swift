import Stats

extension Snapshot {
    /// Replaces the per-QP packet, byte, payload and reply counts with exact ones kept
    /// elsewhere (the kernel's flow map), which stay exact when events are lost. Flows the
    /// events never showed are added with those counts alone; the PSN analysis, messages,
    /// round trips, opcodes and rates of every flow stay what the events made them.
    /// `source.qpCounts` becomes "kernel".
    public mutating func setExactFlows(_ exact: [FlowStats], evicted: UInt64) {
        var index: [FlowKey: Int] = [:]
        for (i, f) in flows.enumerated() { index[f.key] = i }
        for e in exact {
            guard let i = index[e.key] else {
                flows.append(e)
                continue
            }
            flows[i].packets = e.packets
            flows[i].bytes = e.bytes
            flows[i].payloadBytes = e.payloadBytes
            let ours = flows[i].responses
            flows[i].responses = e.responses
            flows[i].responses.replyPackets = ours.replyPackets
            flows[i].responses.rnrTimers = ours.rnrTimers
            flows[i].firstSeen = min(flows[i].firstSeen, e.firstSeen)
            flows[i].lastSeen = max(flows[i].lastSeen, e.lastSeen)
        }
        flows.sort(by: Snapshot.busiestFirst)
        source.qpCounts = "kernel"
        source.kernelEvictedFlows = evicted
    }
}
