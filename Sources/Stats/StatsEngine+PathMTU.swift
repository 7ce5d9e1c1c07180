import RoCE

/// Path MTU learning: from full FIRST and MIDDLE packets, and from the PSN spacing of READ
/// requests (docs/analysis.md), kept per host pair and bounded like the flow table.
extension StatsEngine {
    func learnPathMTU(_ p: RoCEPacket) {
        guard configuration.pathMTU == nil, p.opcodeInfo.classes.contains(.payload),
              !p.opcodeInfo.classes.isDisjoint(with: [.first, .middle]), p.payloadLength > 0 else { return }
        let pair = HostPair(p.ip.source, p.ip.destination).unordered
        learnPathMTU(p.payloadLength, for: pair)
        if !inferredMTUPairs.isEmpty { inferredMTUPairs.remove(pair) }
    }

    /// Keeps `mtu` for `pair`, forgetting another pair's when `maxFlows` pairs are known.
    func learnPathMTU(_ mtu: Int, for pair: HostPair) {
        guard pathMTUs[pair] != mtu else { return }
        if set(mtu, for: pair, in: &pathMTUs) { forgottenPathMTUs &+= 1 }
    }

    /// Sets `value` for `pair` in a per-host-pair map kept to `maxFlows` pairs (addresses can
    /// be spoofed): a new pair past the bound takes an old one's place. Returns whether one
    /// was forgotten.
    @discardableResult
    func set<Value>(_ value: Value, for pair: HostPair, in map: inout [HostPair: Value]) -> Bool {
        var forgot = false
        if map[pair] == nil && map.count >= max(1, configuration.maxFlows) {
            map.remove(at: map.startIndex)
            forgot = true
        }
        map[pair] = value
        return forgot
    }

    /// The next request after a READ came at `nextPSN`: the READ took that many PSNs, which
    /// tells the path MTU when no full packet has. The first spacing may span READs lost
    /// before the capture point (a multiple of the real count, so an MTU too small); a later
    /// request inside a READ's reservation proves it, and corrects both: the READ's span
    /// shrinks, and the PSNs of earlier READs reserved past their real span become missing.
    func inferPathMTU(from read: (psn: UInt32, length: UInt32, span: UInt32, inferred: Bool),
                              nextPSN: UInt32, pair: HostPair, _ flow: inout FlowStats, timestamp: Int64) {
        let d = PSN.distance(nextPSN, from: read.psn)
        // With an MTU inferred already, only a smaller spacing says something: a larger one
        // is READs lost in between.
        guard !read.inferred || d < read.span else { return }
        let fitting = [4096, 2048, 1024, 512, 256].filter {
            UInt32(StatsEngine.responseCount(read.length, mtu: $0)) == d
        }
        // The spacing the unknown MTU was assumed to give confirms it, when no other MTU gives
        // it too: from then on a larger spacing is READs lost in between, not a smaller MTU.
        guard let mtu = fitting.first, d != read.span || fitting.count == 1 else { return }
        learnPathMTU(mtu, for: pair)
        if inferredMTUPairs.count >= StatsEngine.maximumInferredPairs { inferredMTUPairs.removeAll() }
        inferredMTUPairs.insert(pair)
        flow.psn.reviseSpan(of: read.psn, to: d)
        flow.responder.revise(readAt: read.psn, from: read.span, to: d)
        if let last = flow.reservations.last, last.start == read.psn {
            flow.reservations[flow.reservations.count - 1].count = d
        }
        if d < read.span {
            // Earlier READs reserved too much: their real spans end in PSNs never seen, which
            // the responder still expected when the requests after them came.
            var firstMissing: UInt32?, acceptedSince: UInt64 = 0
            for (i, earlier) in flow.inferredReads.enumerated() {
                let count = UInt32(StatsEngine.responseCount(earlier.length, mtu: mtu))
                if firstMissing != nil { acceptedSince &+= UInt64(count) }
                guard count < earlier.span else { continue }
                flow.psn.reopen(from: PSN.add(earlier.psn, count), count: earlier.span - count, time: earlier.time)
                flow.responder.reviseOwed(from: earlier.span, to: count)
                flow.inferredReads[i].span = count
                if firstMissing == nil { firstMissing = PSN.add(earlier.psn, count) }
            }
            if let firstMissing { flow.responder.rewind(to: firstMissing, withdrawing: acceptedSince &+ UInt64(d)) }
        }
        flow.noteInferredRead(psn: read.psn, length: read.length, span: d, time: timestamp)
    }

    /// Response packets a READ of `length` bytes takes at path MTU `mtu` (at least one).
    static func responseCount(_ length: UInt32, mtu: Int) -> Int {
        max(1, (Int(length) + mtu - 1) / max(1, mtu))
    }
}
