import RoCE

/// The analysis of responses and their pairing with request flows: ACKs, NAKs and RNR NAKs,
/// what they mean for the request flow, and the replies its responder owed but never sent.
extension StatsEngine {
    /// Updates the replies the response flow in `response` lost, as of the reply it just
    /// carried: those the requests of the flow in `request` were owed up to the furthest PSN
    /// answered so far, less the ACKs and NAKs it carried.
    func settleReplies(request: Int, response: Int) {
        let owed = table[request].responder.repliesDue
        table.update(response) { flow in
            let seen = flow.responses.replyPackets &- flow.responses.earlyReplies
            flow.lostReplies = owed > seen ? owed - seen : 0
        }
    }

    /// What a response means for its request flow.
    struct ResponseConsequence {
        /// The PSN a NAK or RNR NAK asks for again.
        var nak: UInt32?
        /// The NAK is a PSN sequence error (not an RNR NAK).
        var sequenceError = false
        /// The NAK is an RNR NAK: the responder refused the request for want of a receive WQE.
        var receiverNotReady = false
        /// The PSN up to which requests are acknowledged.
        var covering: UInt32?
        /// The response is an ACK (an AETH with the ACK syndrome).
        var isACK = false
    }

    /// `counted`: the packet passed the filter, so its RNR timer is counted with its RNR NAK
    /// (`FlowCounts`); the analysis sees every packet all the same.
    func analyseResponse(_ p: RoCEPacket, _ flow: inout FlowStats, counted: Bool) -> ResponseConsequence? {
        let classes = p.opcodeInfo.classes
        var result = ResponseConsequence()
        if let aeth = p.aeth {
            switch aeth.syndrome {
            case .ack:
                result.covering = p.bth.psn
                result.isACK = true
            case .nak(let code):
                result.nak = p.bth.psn
                // A PSN sequence error NAK acknowledges everything before the PSN it expects.
                if code == .psnSequenceError {
                    result.covering = PSN.add(p.bth.psn, PSN.mask)
                    result.sequenceError = true
                }
            case .rnrNak(let timer):
                if counted { flow.responses.rnrTimers[timer, default: 0] &+= 1 }
                result.nak = p.bth.psn
                result.receiverNotReady = true
            case .reserved:
                break
            }
        } else if classes.contains(.read) {
            result.covering = p.bth.psn  // a READ response MIDDLE also proves its request arrived
        }
        if classes.contains(.acknowledge) || classes.contains(.read) { flow.responses.replyPackets &+= 1 }
        return classes.contains(.cnp) ? nil : result
    }

    /// The request flow a response flow answers: remembered once found; else the only
    /// request flow between the two hosts in that direction, or the one with the same UDP
    /// source port (RoCEv2 derives it from both QPNs), or the one whose PSNs are nearest.
    ///
    /// A READ response answers only a flow with a READ request whose responses reach its PSN
    /// (at the smallest path MTU, 256 bytes, so as far as they can): a response flow whose
    /// requests all came before the capture began is left unpaired rather than paired with
    /// another QP's requests by nearness of PSN (read_bw cut mid-session: 81-343 replies
    /// counted lost that were sent). Any other response answers only a flow whose PSNs are
    /// within `nearPSNs` of its own, even the only request flow between the hosts: in a capture
    /// begun mid-session, the first ACK of one QP can come before any request of its own
    /// requester, and another QP's NAK then sent that flow's PSN ledger back millions of PSNs
    /// (the demo's WRITE flow, rdmatop attached 556 packets late: 57,702,663 packets lost).
    func pairedRequestFlow(for slot: Int, packet p: RoCEPacket) -> Int? {
        if let reverse = table[slot].reverse, let s = table.slot(of: reverse) { return s }
        let key = table[slot].key
        let requester = HostPair(key.destination, key.source)
        let readResponse = p.opcodeInfo.classes.contains(.read)
        func answers(_ s: Int) -> Bool {
            readResponse ? table[s].readStart(containing: p.bth.psn, mtu: 256) != nil
                : distance(table[s], p.bth.psn) <= StatsEngine.nearPSNs
        }
        var chosen: Int?
        if let only = requestFlows.only(requester) {
            chosen = table.slot(of: only).flatMap { answers($0) ? $0 : nil }
        } else {
            // Looked up, not scanned: the flows of this UDP source port, else (a handful at
            // most) every request flow between the hosts, by nearest PSN.
            let port = p.udp.sourcePort
            let samePort = requestFlows.count(requester, port: port)
            if samePort == 1 {
                chosen = table.slot(of: requestFlows.flows(requester, port: port)[0]).flatMap { answers($0) ? $0 : nil }
            } else if let pool = samePort == 0 ? requestFlows.flows(requester, atMost: RequestFlowIndex.maximumScan)
                        : samePort <= RequestFlowIndex.maximumScan ? requestFlows.flows(requester, port: port) : nil {
                chosen = pool.compactMap { table.slot(of: $0) }.filter(answers).min { a, b in
                    let da = distance(table[a], p.bth.psn), db = distance(table[b], p.bth.psn)
                    return da != db ? da < db : table[a].key < table[b].key
                }
                if let c = chosen, distance(table[c], p.bth.psn) > StatsEngine.nearPSNs { chosen = nil }
            }
        }
        if let c = chosen {
            let requestKey = table[c].key
            table.update(slot) { $0.reverse = requestKey }
            table.update(c) { if $0.reverse == nil { $0.reverse = key } }
        }
        return chosen
    }

    /// How far apart a response's PSN and its request flow's last request PSN can be: a
    /// requester has at most this many PSNs unacknowledged (rxe: 128 past the oldest).
    static let nearPSNs: UInt32 = 1 << 16

    /// PSNs between `psn` and the flow's last request PSN, either way.
    func distance(_ flow: FlowStats, _ psn: UInt32) -> UInt32 {
        let d = PSN.distance(flow.psn.lastPSN, from: psn)
        return min(d, PSN.distance(psn, from: flow.psn.lastPSN))
    }
}
