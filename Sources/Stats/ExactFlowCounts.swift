extension Array where Element == FlowStats {
    /// Takes the per-flow counts of `exact` (`FlowCounts`: the kernel's flow map, exact
    /// whatever events are lost) into these flows; flows only `exact` has are
    /// appended with those counts alone. The PSN analysis, messages, opcodes, rates, RNR
    /// timers and reply bookkeeping stay what the events made them, and so do round trips,
    /// unless the flow's events were sampled (all flows', or those the kernel says it
    /// sampled): then they are the kernel's (`RoundTripTimes.fromKernel`),
    /// and so are the distinct, retransmitted and missing PSNs and the messages
    /// (`FlowStats.kernelPSNs`).
    public mutating func takeExactCounts(from exact: [FlowStats]) {
        var index: [FlowKey: Int] = [:]
        for (i, f) in enumerated() { index[f.key] = i }
        for e in exact {
            guard let i = index[e.key] else {
                append(e)
                continue
            }
            self[i].counts = e.counts
            self[i].firstSeen = Swift.min(self[i].firstSeen, e.firstSeen)
            self[i].lastSeen = Swift.max(self[i].lastSeen, e.lastSeen)
            self[i].unsampledPackets = e.unsampledPackets
            self[i].sampled = self[i].sampled || e.sampled
            if self[i].sampled {
                self[i].rtt = e.rtt
                self[i].kernelPSNs = e.kernelPSNs
            }
        }
        // A flow's analysis of replies reads its reverse flow's requests (`lostReplies`):
        // a flow and its reverse are sampled together.
        for i in indices where self[i].sampled {
            if let r = self[i].reverse, let j = index[r], !self[j].sampled { self[j].sampled = true }
        }
    }
}
