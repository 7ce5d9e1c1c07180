import CFlow
import RoCE

/// The analysis of requests: the PSN ledger, retransmission timeouts, READ and atomic
/// reservations, the replies owed, round trips and messages (docs/analysis.md).
extension StatsEngine {
    func analyseRequest(_ p: RoCEPacket, _ flow: inout FlowStats, timestamp: Int64, domain: Int,
                                silence: Int64) {
        let info = p.opcodeInfo
        let key = flow.key
        if !flow.psn.started || !flow.carriesRequestPSNs {
            if !flow.carriesRequestPSNs { flow.psn = PSNLedger() }
            flow.carriesRequestPSNs = true
            requestFlows.insert(key, port: flow.udpSourcePort)
        }
        let pair = HostPair(key.source, key.destination).unordered
        // A READ before this one reserved its response PSNs; this PSN tells how many.
        if let read = flow.pendingRead {
            flow.pendingRead = nil
            inferPathMTU(from: read, nextPSN: p.bth.psn, pair: pair, &flow, timestamp: timestamp)
        }
        let isRead = info.classes.contains(.read)
        let isAtomic = info.classes.contains(.atomic) && !info.classes.contains(.payload)
        var span: UInt32 = 1
        if isRead, let reth = p.reth {
            let known = configuration.pathMTU ?? pathMTUs[pair]
            // Unknown path MTU: the fewest responses (MTU 4096), so the next request is never
            // taken for a repeat; its PSN then tells the real count. An inferred one: the next
            // request may still show it was too small.
            span = UInt32(StatsEngine.responseCount(reth.dmaLength, mtu: known ?? 4096))
            if known == nil || (configuration.pathMTU == nil && inferredMTUPairs.contains(pair)) {
                flow.pendingRead = (p.bth.psn, reth.dmaLength, span, known != nil)
            }
        }
        let started = flow.psn.started, expectedPSN = flow.psn.next, previousRequest = flow.psn.lastTime
        let observation = flow.psn.observe(psn: p.bth.psn, span: span, time: timestamp,
                                           endsMessage: !info.classes.isDisjoint(with: OpcodeClass.endOfMessage))
        if started && info.transport == .rc && !isRead && !info.classes.contains(.atomic) {
            noteTimeouts(observation, &flow, pair: pair, silence: silence,
                         sinceRequest: timestamp.subtractingSaturating(previousRequest),
                         next: p.bth.psn == expectedPSN, highest: PSN.add(p.bth.psn, 1) == expectedPSN,
                         startsMessage: !info.classes.isDisjoint(with: OpcodeClass.startOfMessage))
        }
        let reliable = info.transport == .rc || info.transport == .xrc
        // A copy the capture saw twice (a mirror port, two capture points: the same PSN right
        // behind it, within `captureCopyNanoseconds`) reached the responder once, and is owed
        // nothing more (a loss-free send_bw with every packet captured twice counted 2,100
        // replies lost). rxe's own quick resends of a READ or an atomic, which the responder
        // answers again, come 34-187 µs after the first.
        var copy = false
        if case .retransmitted(.duplicate) = observation,
           timestamp.subtractingSaturating(previousRequest) <= StatsEngine.captureCopyNanoseconds { copy = true }
        if reliable && !copy {
            flow.responder.request(psn: p.bth.psn, span: span, ackRequested: p.bth.ackRequest,
                                   answeredByResponse: isRead || isAtomic)
        }
        // Which requests are timed is the kernel's rule too (bpf/rdmatop_flow.h).
        var op = KernelOpcodeTable.entries[Int(p.bth.opcode)]
        if rdmatop_rtt_asks(&op, p.bth.ackRequest ? 0x80 : 0) != 0 {
            flow.rtt.request(psn: p.bth.psn, time: timestamp, domain: domain)
        }
        if observation.isFirstSighting && (isRead || isAtomic) { flow.reserve(p.bth.psn, span) }
        if observation.isFirstSighting && isRead, let reth = p.reth { flow.noteReadRequest(psn: p.bth.psn, length: reth.dmaLength) }
        let onlySize: UInt64 = isRead ? UInt64(p.reth?.dmaLength ?? 0) : isAtomic ? 8 : UInt64(p.payloadLength)
        countMessage(p, observation, &flow, onlySize: onlySize, pmtu: knownPathMTU(between: key.source, and: key.destination))
    }

    /// How soon after a request the same request is a copy the capture saw twice, not a
    /// resend the responder received (nanoseconds).
    static let captureCopyNanoseconds: Int64 = 10_000

    /// The shortest gap taken for a retransmission timeout (nanoseconds): the lowest IBTA
    /// Local ACK Timeout value `ackTimeoutExponent` matches, 4.096 us x 2^13 less 3 %.
    static let shortestTimeout: Int64 = (Int64(4096) << 13) - (Int64(4096) << 13) * 3 / 100

    /// The n of the IBTA Local ACK Timeout (4.096 us x 2^n) that a silence of `ns`
    /// nanoseconds matches, for n from 13 (34 ms) to 24 (69 s): within 3 % below, and 13 %
    /// above, as rxe's timer fires on a jiffy at or after it, and later on a loaded machine
    /// (nvme-rdma's 2^17, 537 ms, fired 29-31 ms late in the SoftRoCE VM:
    /// Tests/Fixtures/rxe-shapes/nvmeof_loss). The values are 2 times apart. nil: none.
    static func ackTimeoutExponent(_ ns: Int64) -> Int8? {
        for n in 13...24 {
            let t = Int64(4096) << Int64(n)
            if ns >= t - t * 3 / 100 && ns <= t + t * 13 / 100 { return Int8(n) }
        }
        return nil
    }

    /// Whether a flow's silence before a new message is a retransmission timer's: from 3/4 of
    /// `timeout` (the shortest seen between the hosts; timers fire late too) to 3 times it (a
    /// resend lost again still counts one). A flow idle for longer (one queue of several, a
    /// keep-alive every few seconds: Tests/Fixtures/rxe-shapes/nvmeof_loss, 2.5-5.5 s for
    /// nvme-rdma's 0.54 s) had nothing in flight to lose.
    static func silenceIsATimeout(_ silence: Int64, timeout: Int64) -> Bool {
        silence >= timeout - timeout / 4 && silence / 3 <= timeout
    }

    /// Learns the requester's retransmission timeout from the runs it starts on its own, and
    /// counts a SEND or WRITE that only a timeout shows was lost: the next PSN, new, after the
    /// flow (requests and the ACKs it carries) was silent for at least 3/4 of the shortest
    /// timeout seen between the two hosts. With one packet in flight (a ping-pong at one
    /// packet per message) a request lost before the capture point leaves no PSN gap: the
    /// requester resends it after its timeout, and the capture sees it once, late.
    /// READs and atomics are left out: a READ asked for again in part looks new here.
    func noteTimeouts(_ observation: PSNObservation, _ flow: inout FlowStats, pair: HostPair,
                              silence: Int64, sinceRequest: Int64, next: Bool, highest: Bool, startsMessage: Bool) {
        switch observation {
        case .retransmitted(.afterTimeout):
            // The highest PSN sent again, first in its run: nothing acknowledged it, and the
            // timer that fired was started when it was sent. Only a gap as long as the
            // lowest IBTA Local ACK Timeout taken shows it: rxe's timer is not stopped when
            // everything is acknowledged ("some timeouts are spurious", rxe_comp.c), and
            // when it fires with nothing in flight the completer resends the next request
            // it finds unacknowledged, however recently sent (Tests/Fixtures/rxe-spurious-timer:
            // a FIRST again 0.5 ms, or 5.4 ms in a slow VM, after it). Real timeouts fire late as
            // well as early (51-89 ms for rxe's 67 ms), so the gap need not match a value.
            if !flow.retransmitting && highest && sinceRequest >= StatsEngine.shortestTimeout {
                if sinceRequest < retransmissionTimeouts[pair] ?? .max {
                    set(sinceRequest, for: pair, in: &retransmissionTimeouts)
                }
            }
            flow.retransmitting = true
        case .retransmitted:
            flow.retransmitting = true
        case .new:
            flow.retransmitting = false
            if let n = flow.timeoutCandidate, let timeout = retransmissionTimeouts[pair],
               StatsEngine.ackTimeoutExponent(timeout) == n {
                // Since this flow's one silence of a timeout value, the timer has shown itself
                // between the same hosts (a resend, or another flow's two silences): that
                // silence was a lost send too.
                flow.lostTimeouts &+= 1
                flow.timeoutCandidate = nil
            }
            // (The silence first: the lookup is then rare.)
            // Only a request that starts a message: the timer's round for a lost MIDDLE or
            // LAST resends its message's earlier packets first (nothing acknowledged them).
            guard next, startsMessage else { break }
            let pace = flow.messageStartSilence
            flow.messageStartSilence = silence
            guard silence >= StatsEngine.shortestTimeout - StatsEngine.shortestTimeout / 4 else { break }
            if let timeout = retransmissionTimeouts[pair] {
                if StatsEngine.silenceIsATimeout(silence, timeout: timeout) { flow.lostTimeouts &+= 1 }
            } else if let n = StatsEngine.ackTimeoutExponent(silence), silence / 4 >= pace {
                // No resend has shown the timeout yet: a second silence of one IBTA timeout
                // value, each at least 4 times the flow's pace before it, shows the timer,
                // and both were lost sends. (Traffic paced at such a value is not 4 times.)
                if flow.timeoutCandidate == n {
                    flow.lostTimeouts &+= 2
                    flow.timeoutCandidate = nil
                    set(silence, for: pair, in: &retransmissionTimeouts)
                } else {
                    flow.timeoutCandidate = n
                }
            }
        case .late, .recovered:
            flow.retransmitting = false
        }
    }

    /// The PSN ledger and messages of a flow's READ responses and atomic acknowledgements.
    func analyseResponsePSN(_ p: RoCEPacket, _ flow: inout FlowStats, timestamp: Int64,
                                    expected: [(start: UInt32, count: UInt32)]?, mtu: Int, readStart: UInt32?) {
        // A flow that carries requests keeps its ledger for them; its responses still count
        // as messages, once each.
        let observation = flow.carriesRequestPSNs
            ? flow.responsePSNs.observe(psn: p.bth.psn, time: timestamp, expected: expected)
            : flow.psn.observe(psn: p.bth.psn, time: timestamp, expected: expected)
        let onlySize: UInt64 = p.opcodeInfo.classes.contains(.atomic) ? 8 : UInt64(p.payloadLength)
        countMessage(p, observation, &flow, onlySize: onlySize, pmtu: mtu, start: readStart)
    }

    /// A message counted when its LAST or ONLY packet is first carried (an ONLY of
    /// `onlySize` bytes); a FIRST, LAST or ONLY carried again still marks a boundary.
    func countMessage(_ p: RoCEPacket, _ observation: PSNObservation, _ flow: inout FlowStats,
                              onlySize: UInt64, pmtu: Int?, start: UInt32? = nil) {
        let classes = p.opcodeInfo.classes
        guard observation.isFirstSighting else {
            if !classes.isDisjoint(with: [.first, .last, .only]) {
                flow.messages.boundary(at: p.bth.psn, isStart: classes.contains(.first), pmtu: pmtu)
            }
            return
        }
        if classes.contains(.first) {
            flow.messages.start(at: p.bth.psn, pmtu: pmtu)
        } else if classes.contains(.only) {
            flow.messages.only(at: p.bth.psn, size: onlySize)
        } else if classes.contains(.last) {
            flow.messages.last(at: p.bth.psn, payload: UInt64(p.payloadLength), pmtu: pmtu, start: start)
        }
    }
}
