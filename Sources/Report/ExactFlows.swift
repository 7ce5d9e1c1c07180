import Stats

extension Snapshot {
    /// Replaces the per-QP packet, byte, payload and reply counts with exact ones kept
    /// elsewhere (the kernel's flow map), which stay exact when events are lost; flows the
    /// events never showed are added (`takeExactCounts`). `source.qpCounts` becomes "kernel".
    public mutating func setExactFlows(_ exact: [FlowStats], evicted: UInt64) {
        var merged = Array(flows)
        merged.takeExactCounts(from: exact)
        merged.sort(by: Snapshot.busiestFirst)
        flows = FlowList(merged)
        source.qpCounts = "kernel"
        source.kernelEvictedFlows = evicted
    }
}
