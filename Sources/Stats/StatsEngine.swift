import RoCE

/// How the engine behaves.
public struct EngineConfiguration: Sendable {
    /// Flows kept; the least recently seen one is evicted beyond this.
    public var maxFlows = 16_384
    /// The path MTU (payload bytes per packet), when known; otherwise it is learned from the
    /// traffic (FIRST and MIDDLE packets are full) and from READ response counts.
    public var pathMTU: Int?
    /// The path MTU assumed before any was learned (rxe's default active MTU on Ethernet).
    public var defaultPathMTU = 1024

    public init() {}
}

/// Turns decoded packets into per-flow and per-opcode statistics: counters, rates, PSN
/// analysis, pairing of each flow with its reverse, ACK/NAK/RNR/CNP/ECN counts, message
/// sizes, round-trip times and payload previews. Pure Swift; no terminal, no clock of its
/// own (time comes from the packets and from `tick(at:)`).
///
/// The filter selects what the flow counters (packets, bytes, opcodes) and the opcode table
/// count; the analysis (PSNs, NAKs, round trips) always sees every packet.
public final class StatsEngine {
    public let configuration: EngineConfiguration
    /// Counters over every packet.
    public private(set) var totals = Totals()
    /// Per-opcode totals, indexed by opcode (packets that pass the filter).
    public private(set) var opcodes = [OpcodeTotal](repeating: OpcodeTotal(), count: 256)
    /// Malformed packets by error text, at most `maximumMalformedDetails` texts; beyond, one
    /// entry per kind ("other truncated packets") counts the rest, so the counts still add
    /// up to `totals.malformed`.
    public private(set) var malformed: [String: MalformedEntry] = [:]
    /// Distinct error texts `malformed` keeps.
    public static let maximumMalformedDetails = 256
    /// Timestamps of the first and last packet on the common timeline of the capture's
    /// clocks (`clocks`), nanoseconds (0 before any).
    public private(set) var firstTimestamp: Int64 = 0
    public private(set) var lastTimestamp: Int64 = 0
    /// Whether any packet carried a timestamp (`firstTimestamp` may be any value, 0 or
    /// negative included, once one did).
    public private(set) var hasTimestamps = false
    /// Nanoseconds from the first to the last packet, saturated at `Int64.max`.
    public var timeSpan: Int64 { hasTimestamps ? max(0, lastTimestamp.subtractingSaturating(firstTimestamp)) : 0 }
    /// The clocks the packets were stamped by.
    public private(set) var clocks = ClockDomains()
    /// Which packets the flow and opcode tables count.
    public var filter: PacketFilter

    /// Rates of all packets and bytes, and per opcode.
    public private(set) var packetRate = RateMeter()
    public private(set) var byteRate = RateMeter()
    public private(set) var opcodeRates: [UInt8: RateMeter] = [:]
    /// Time of the last tick.
    public private(set) var lastTick: Int64?

    private var table: FlowTable
    /// Request flows by (requester, responder), to pair responses with them; entries leave
    /// with their flows, so the index is bounded by the flow table.
    private var requestFlows = RequestFlowIndex()
    /// Learned path MTUs by host pair (unordered), at most `maxFlows` pairs.
    private(set) var pathMTUs: [HostPair: Int] = [:]
    /// Per host pair (unordered), the shortest silence before a requester resent a packet on
    /// its own (a timeout run's first packet): the retransmission timeout seen, bounded like
    /// `pathMTUs`.
    private(set) var retransmissionTimeouts: [HostPair: Int64] = [:]
    /// Path MTUs forgotten to keep `pathMTUs` within `maxFlows` host pairs (addresses seen
    /// in more pairs than flows are kept: spoofed, or a very large fabric).
    public private(set) var forgottenPathMTUs: UInt64 = 0
    /// Host pairs (unordered) whose path MTU was only inferred from the spacing of READ
    /// requests, not learned from a full packet: a READ lost before the capture point makes
    /// that spacing a multiple of the real one, so a later, smaller spacing corrects it.
    private var inferredMTUPairs: Set<HostPair> = []
    static let maximumInferredPairs = 4096

    public init(filter: PacketFilter = PacketFilter(), configuration: EngineConfiguration = EngineConfiguration()) {
        self.filter = filter
        self.configuration = configuration
        table = FlowTable(capacity: configuration.maxFlows)
    }

    /// Flows currently in the table.
    public var flows: [FlowStats] { table.all }
    /// The flows with counted packets, busiest first (`FlowStats.busiestFirst`): each is
    /// copied once, and none to be compared (a flow is about a kilobyte).
    public var flowsBusiestFirst: [FlowStats] { table.busiestFirst }
    /// The flow with this key, if in the table.
    public func flow(_ key: FlowKey) -> FlowStats? { table.slot(of: key).map { table[$0] } }
    /// Flows evicted to keep the table within `maxFlows`.
    public var evictions: UInt64 { table.evictions }
    /// The path MTU used for the pair of hosts.
    public func pathMTU(between a: IPAddress, and b: IPAddress) -> Int {
        configuration.pathMTU ?? pathMTUs[HostPair(a, b).unordered] ?? configuration.defaultPathMTU
    }

    // MARK: - Ingest

    /// Counts a packet and places its timestamp on the common timeline: its clock domain
    /// and aligned time.
    @discardableResult
    private func stamp(_ timestamp: Int64, frameLength: Int) -> (domain: Int, time: Int64) {
        totals.packets &+= 1
        totals.bytes &+= UInt64(max(0, frameLength))
        guard timestamp != 0 else { return (0, 0) }
        let placed = clocks.place(timestamp)
        let t = placed.aligned
        if !hasTimestamps {
            hasTimestamps = true
            firstTimestamp = t
            lastTimestamp = t
        }
        if t < firstTimestamp { firstTimestamp = t }
        if t > lastTimestamp { lastTimestamp = t }
        return (placed.domain, t)
    }

    /// Counts a packet that is not RoCEv2.
    public func ingestOther(frameLength: Int, timestamp: Int64) {
        stamp(timestamp, frameLength: frameLength)
    }

    /// Counts a RoCEv2 packet that failed to decode; `flow` when its BTH could be read.
    public func ingestMalformed(_ error: DecodeError, flow: FlowKey? = nil, frameLength: Int, timestamp: Int64,
                                frameNumber: UInt64) {
        stamp(timestamp, frameLength: frameLength)
        totals.malformed &+= 1
        var detail = error.description
        if malformed[detail] == nil && malformed.count >= StatsEngine.maximumMalformedDetails {
            detail = "other \(error.kind) packets"  // one per kind: 3 more at most
        }
        malformed[detail, default: MalformedEntry(kind: error.kind, detail: detail, count: 0, firstFrame: frameNumber)]
            .count &+= 1
        if let flow, let s = table.slot(of: flow) { table[s].malformed &+= 1 }
    }

    /// Counts a decoded RoCEv2 packet.
    ///
    /// - Parameters:
    ///   - payload: the captured payload bytes, for previews (may be shorter than on the wire).
    ///   - frameLength: the frame's length on the wire.
    ///   - direction: the direction the source reported, else the packet's own.
    public func ingest(_ packet: RoCEPacket, payload: UnsafeRawBufferPointer? = nil, frameLength: Int,
                       timestamp rawTimestamp: Int64, direction: PacketDirection) {
        let (domain, timestamp) = stamp(rawTimestamp, frameLength: frameLength)
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
        let key = FlowKey(packet)
        let info = packet.opcodeInfo
        let dir = direction == .unknown ? packet.linkDirection : direction
        var evicted: FlowStats?
        let slot = table.touch(key, make: {
            FlowStats(key: key, transport: info.transport, direction: dir, udpSourcePort: packet.udp.sourcePort,
                      timestamp: timestamp)
        }, evicted: &evicted)
        if let evicted { forget(evicted) }
        let matched = filter.isEmpty || filter.matches(packet)
        if matched {
            totals.matched &+= 1
            opcodes[Int(packet.bth.opcode)].packets &+= 1
            opcodes[Int(packet.bth.opcode)].bytes &+= length
        }
        learnPathMTU(packet)
        // Everything about this flow in one access to the table.
        let consequence = table.update(slot) { flow -> ResponseConsequence? in
            let silence = timestamp.subtractingSaturating(flow.lastSeen)
            if timestamp > flow.lastSeen { flow.lastSeen = timestamp }
            if matched {
                flow.packets &+= 1
                flow.bytes &+= length
                flow.payloadBytes &+= UInt64(packet.payloadLength)
                flow.opcodes.add(packet.bth.opcode)
                if icrcError { flow.icrcErrors &+= 1 }
            }
            countCongestion(packet, &flow)
            if let payload, packet.capturedPayloadLength > 0,
               !info.classes.isDisjoint(with: OpcodeClass.startOfMessage) {
                keepPreview(packet, payload: payload, &flow, timestamp: timestamp)
            }
            let classes = info.classes
            if classes.contains(.undefined) {
                return nil  // decoded as far as the BTH: counted, not analysed
            } else if classes.contains(.request) {
                analyseRequest(packet, &flow, timestamp: timestamp, domain: domain, silence: silence)
                return nil
            } else if classes.contains(.response) || classes.contains(.cnp) {
                return analyseResponse(packet, &flow)
            }
            return nil
        }
        let classes = info.classes
        // Replies are settled when one arrives, never on a request: replies owed by requests
        // after the reverse flow's last reply are not counted lost, since a responder that has
        // gone silent (its QP destroyed, as when rc_pingpong's client exits while the server
        // still resends its last SEND) answers nothing rather than losing every answer.
        if classes.contains(.request) { return }
        guard classes.contains(.response), let request = pairedRequestFlow(for: slot, packet: packet) else { return }
        // READ responses and atomic acknowledgements are accounted for in the PSN ledger of
        // this flow, against the PSNs their requests reserved.
        if classes.contains(.read) || (classes.contains(.atomic) && classes.contains(.acknowledge)) {
            let reserved = classes.isDisjoint(with: OpcodeClass.startOfMessage) ? nil : table[request].reservations
            let mtu = pathMTU(between: packet.ip.source, and: packet.ip.destination)
            let readStart = classes.contains(.read) && classes.contains(.last)
                ? table[request].readStart(containing: packet.bth.psn, mtu: mtu) : nil
            table.update(slot) { flow in
                analyseResponsePSN(packet, &flow, timestamp: timestamp, expected: reserved, mtu: mtu, readStart: readStart)
            }
        }
        // A response acts on its request flow: a NAK asks for a PSN again, an ACK or a
        // response ends round trips.
        if let consequence, consequence.nak != nil || consequence.covering != nil {
            table.update(request) { flow in
                if let nak = consequence.nak {
                    flow.psn.noteNAK(expecting: nak)
                    flow.responder.responderExpects(nak, outOfSequence: consequence.sequenceError)
                }
                if let covering = consequence.covering { flow.rtt.response(covering: covering, time: timestamp, domain: domain) }
            }
        }
        settleReplies(request: request, response: slot)
    }

    /// Updates the replies the response flow in `response` lost, as of the reply it just
    /// carried: those the requests of the flow in `request` were owed so far, less the ACKs
    /// and NAKs it carried.
    private func settleReplies(request: Int, response: Int) {
        let owed = table[request].responder.owedReplies
        table.update(response) { flow in
            let seen = flow.responses.replyPackets
            flow.lostReplies = owed > seen ? owed - seen : 0
        }
    }

    /// What a response means for its request flow.
    private struct ResponseConsequence {
        /// The PSN a NAK or RNR NAK asks for again.
        var nak: UInt32?
        /// The NAK is a PSN sequence error (not an RNR NAK).
        var sequenceError = false
        /// The PSN up to which requests are acknowledged.
        var covering: UInt32?
    }

    private func countCongestion(_ p: RoCEPacket, _ flow: inout FlowStats) {
        if p.ip.ecn == .ce { flow.responses.ecnCE &+= 1 }
        if p.bth.fecn { flow.responses.fecn &+= 1 }
        if p.bth.becn { flow.responses.becn &+= 1 }
        if p.bth.opcode == OpcodeTable.cnp { flow.responses.cnps &+= 1 }
    }

    private func learnPathMTU(_ p: RoCEPacket) {
        guard configuration.pathMTU == nil, p.opcodeInfo.classes.contains(.payload),
              !p.opcodeInfo.classes.isDisjoint(with: [.first, .middle]), p.payloadLength > 0 else { return }
        let pair = HostPair(p.ip.source, p.ip.destination).unordered
        learnPathMTU(p.payloadLength, for: pair)
        inferredMTUPairs.remove(pair)
    }

    /// Keeps `mtu` for `pair`, forgetting another pair's when `maxFlows` pairs are known.
    private func learnPathMTU(_ mtu: Int, for pair: HostPair) {
        guard pathMTUs[pair] != mtu else { return }
        if set(mtu, for: pair, in: &pathMTUs) { forgottenPathMTUs &+= 1 }
    }

    /// Sets `value` for `pair` in a per-host-pair map kept to `maxFlows` pairs (addresses can
    /// be spoofed): a new pair past the bound takes an old one's place. Returns whether one
    /// was forgotten.
    @discardableResult
    private func set<Value>(_ value: Value, for pair: HostPair, in map: inout [HostPair: Value]) -> Bool {
        var forgot = false
        if map[pair] == nil && map.count >= max(1, configuration.maxFlows) {
            map.remove(at: map.startIndex)
            forgot = true
        }
        map[pair] = value
        return forgot
    }

    // MARK: - Requests

    private func analyseRequest(_ p: RoCEPacket, _ flow: inout FlowStats, timestamp: Int64, domain: Int,
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
                         next: p.bth.psn == expectedPSN, highest: PSN.add(p.bth.psn, 1) == expectedPSN)
        }
        let reliable = info.transport == .rc || info.transport == .xrc
        if reliable {
            flow.responder.request(psn: p.bth.psn, span: span, ackRequested: p.bth.ackRequest,
                                   answeredByResponse: isRead || isAtomic)
        }
        if reliable && (p.bth.ackRequest || isRead || isAtomic) {
            flow.rtt.request(psn: p.bth.psn, time: timestamp, domain: domain)
        }
        if observation.isFirstSighting && (isRead || isAtomic) { flow.reserve(p.bth.psn, span) }
        if observation.isFirstSighting && isRead, let reth = p.reth { flow.noteReadRequest(psn: p.bth.psn, length: reth.dmaLength) }
        let onlySize: UInt64 = isRead ? UInt64(p.reth?.dmaLength ?? 0) : isAtomic ? 8 : UInt64(p.payloadLength)
        countMessage(p, observation, &flow, onlySize: onlySize, pmtu: pathMTU(between: key.source, and: key.destination))
    }

    /// The shortest gap taken for a retransmission timeout (nanoseconds).
    static let shortestTimeout: Int64 = 1_000_000

    /// Learns the requester's retransmission timeout from the runs it starts on its own, and
    /// counts a SEND or WRITE that only a timeout shows was lost: the next PSN, new, after the
    /// flow (requests and the ACKs it carries) was silent for at least 3/4 of the shortest
    /// timeout seen between the two hosts. With one packet in flight (a ping-pong at one
    /// packet per message) a request lost before the capture point leaves no PSN gap: the
    /// requester resends it after its timeout, and the capture sees it once, late.
    /// READs and atomics are left out: a READ asked for again in part looks new here.
    private func noteTimeouts(_ observation: PSNObservation, _ flow: inout FlowStats, pair: HostPair,
                              silence: Int64, sinceRequest: Int64, next: Bool, highest: Bool) {
        switch observation {
        case .retransmitted(.afterTimeout):
            // The highest PSN sent again, first in its run: nothing acknowledged it, and the
            // timer that fired was started when it was sent.
            // Resends under 1 ms answer something else (no timer of an RC transport here
            // is that short: perftest and ibv_rc_pingpong use 67 ms).
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
            // (The silence first: the lookup is then rare.)
            if next, silence >= StatsEngine.shortestTimeout - StatsEngine.shortestTimeout / 4,
               let timeout = retransmissionTimeouts[pair], silence >= timeout - timeout / 4 {
                flow.lostTimeouts &+= 1
            }
        case .late, .recovered:
            flow.retransmitting = false
        }
    }

    /// The next request after a READ came at `nextPSN`: the READ took that many PSNs, which
    /// tells the path MTU when no full packet has. The first spacing may span READs lost
    /// before the capture point (a multiple of the real count, so an MTU too small); a later
    /// request inside a READ's reservation proves it, and corrects both: the READ's span
    /// shrinks, and the PSNs of earlier READs reserved past their real span become missing.
    private func inferPathMTU(from read: (psn: UInt32, length: UInt32, span: UInt32, inferred: Bool),
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

    /// The PSN ledger and messages of a flow's READ responses and atomic acknowledgements.
    private func analyseResponsePSN(_ p: RoCEPacket, _ flow: inout FlowStats, timestamp: Int64,
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
    private func countMessage(_ p: RoCEPacket, _ observation: PSNObservation, _ flow: inout FlowStats,
                              onlySize: UInt64, pmtu: Int, start: UInt32? = nil) {
        let classes = p.opcodeInfo.classes
        guard observation.isFirstSighting else {
            if !classes.isDisjoint(with: [.first, .last, .only]) {
                flow.messages.boundary(at: p.bth.psn, isStart: classes.contains(.first))
            }
            return
        }
        if classes.contains(.first) {
            flow.messages.start(at: p.bth.psn)
        } else if classes.contains(.only) {
            flow.messages.only(at: p.bth.psn, size: onlySize)
        } else if classes.contains(.last) {
            flow.messages.last(at: p.bth.psn, payload: UInt64(p.payloadLength), pmtu: pmtu, start: start)
        }
    }

    /// Response packets a READ of `length` bytes takes at path MTU `mtu` (at least one).
    static func responseCount(_ length: UInt32, mtu: Int) -> Int {
        max(1, (Int(length) + mtu - 1) / max(1, mtu))
    }

    // MARK: - Responses

    private func analyseResponse(_ p: RoCEPacket, _ flow: inout FlowStats) -> ResponseConsequence? {
        let classes = p.opcodeInfo.classes
        var result = ResponseConsequence()
        if let aeth = p.aeth {
            switch aeth.syndrome {
            case .ack:
                flow.responses.acks &+= 1
                result.covering = p.bth.psn
            case .nak(let code):
                flow.responses.naks[code.name, default: 0] &+= 1
                result.nak = p.bth.psn
                // A PSN sequence error NAK acknowledges everything before the PSN it expects.
                if code == .psnSequenceError {
                    result.covering = PSN.add(p.bth.psn, PSN.mask)
                    result.sequenceError = true
                }
            case .rnrNak(let timer):
                flow.responses.rnrNaks &+= 1
                flow.responses.rnrTimers[timer, default: 0] &+= 1
                result.nak = p.bth.psn
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
    private func pairedRequestFlow(for slot: Int, packet p: RoCEPacket) -> Int? {
        if let reverse = table[slot].reverse, let s = table.slot(of: reverse) { return s }
        let key = table[slot].key
        let requester = HostPair(key.destination, key.source)
        var chosen: Int?
        if let only = requestFlows.only(requester) {
            chosen = table.slot(of: only)
        } else {
            // Looked up, not scanned: the flows of this UDP source port, else (a handful at
            // most) every request flow between the hosts, by nearest PSN.
            let port = p.udp.sourcePort
            let samePort = requestFlows.count(requester, port: port)
            if samePort == 1 {
                chosen = table.slot(of: requestFlows.flows(requester, port: port)[0])
            } else if let pool = samePort == 0 ? requestFlows.flows(requester, atMost: RequestFlowIndex.maximumScan)
                        : samePort <= RequestFlowIndex.maximumScan ? requestFlows.flows(requester, port: port) : nil {
                chosen = pool.compactMap { table.slot(of: $0) }.min { a, b in
                    let da = distance(table[a], p.bth.psn), db = distance(table[b], p.bth.psn)
                    return da != db ? da < db : table[a].key < table[b].key
                }
                if let c = chosen, distance(table[c], p.bth.psn) > 1 << 16 { chosen = nil }
            }
        }
        if let c = chosen {
            let requestKey = table[c].key
            table.update(slot) { $0.reverse = requestKey }
            table.update(c) { if $0.reverse == nil { $0.reverse = key } }
        }
        return chosen
    }

    private func distance(_ flow: FlowStats, _ psn: UInt32) -> UInt32 {
        let d = PSN.distance(flow.psn.lastPSN, from: psn)
        return min(d, PSN.distance(psn, from: flow.psn.lastPSN))
    }

    /// Keeps the start of a message's payload, reusing the storage of the oldest preview.
    private func keepPreview(_ p: RoCEPacket, payload: UnsafeRawBufferPointer, _ flow: inout FlowStats,
                             timestamp: Int64) {
        let n = min(FlowStats.previewBytes, payload.count)
        var preview = flow.previews.count >= FlowStats.maxPreviews ? flow.previews.removeFirst()
            : PayloadPreview(timestamp: 0, opcode: 0, psn: 0, length: 0, bytes: [])
        preview.timestamp = timestamp
        preview.opcode = p.bth.opcode
        preview.psn = p.bth.psn
        preview.length = p.payloadLength
        preview.bytes.removeAll(keepingCapacity: true)
        preview.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: payload[0..<n]))
        flow.previews.append(preview)
    }

    private func forget(_ flow: FlowStats) {
        if flow.carriesRequestPSNs { requestFlows.remove(flow.key, port: flow.udpSourcePort) }
    }

    // MARK: - Rates

    /// Updates every rate with the time elapsed since the last tick (`time` in nanoseconds,
    /// on the packets' clock). The first tick only starts the clock.
    public func tick(at time: Int64) {
        defer { lastTick = time }
        guard let last = lastTick else { return }
        let seconds = Double(time.subtractingSaturating(last)) / 1e9
        guard seconds > 0 else { return }
        packetRate.tick(count: totals.packets, seconds: seconds)
        byteRate.tick(count: totals.bytes, seconds: seconds)
        for (i, total) in opcodes.enumerated() where total.packets > 0 {
            opcodeRates[UInt8(i), default: RateMeter()].tick(count: total.packets, seconds: seconds)
        }
        table.forEach { flow in
            flow.packetRate.tick(count: flow.packets, seconds: seconds)
            flow.byteRate.tick(count: flow.bytes, seconds: seconds)
            flow.messageRate.tick(count: flow.messages.count, seconds: seconds)
        }
    }
}

/// An ordered pair of hosts.
struct HostPair: Hashable {
    var a: IPAddress
    var b: IPAddress
    init(_ a: IPAddress, _ b: IPAddress) {
        self.a = a
        self.b = b
    }
    /// The same pair regardless of order.
    var unordered: HostPair { a < b ? self : HostPair(b, a) }
}
