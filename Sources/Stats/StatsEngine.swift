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
    /// How the packets that reach the engine were chosen (the probe's `--sample`). `always`:
    /// every flow's come sampled, so every flow says that what needs every packet is not
    /// measured. `underBacklog`: every packet while the ring buffer had room, and the flows
    /// the probe sampled say so (`FlowStats.sampled`, from the kernel's counts). A file's
    /// packets are all there (`off`).
    public var sampling = EventSampling.off

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
    public internal(set) var packetRate = RateMeter()
    public internal(set) var byteRate = RateMeter()
    public internal(set) var opcodeRates: [UInt8: RateMeter] = [:]
    /// Time of the last tick.
    public internal(set) var lastTick: Int64?

    var table: FlowTable
    /// Request flows by (requester, responder), to pair responses with them; entries leave
    /// with their flows, so the index is bounded by the flow table.
    var requestFlows = RequestFlowIndex()
    /// Learned path MTUs by host pair (unordered), at most `maxFlows` pairs.
    var pathMTUs: [HostPair: Int] = [:]
    /// Per host pair (unordered), the shortest silence before a requester resent a packet on
    /// its own (a timeout run's first packet): the retransmission timeout seen, bounded like
    /// `pathMTUs`.
    var retransmissionTimeouts: [HostPair: Int64] = [:]
    /// Path MTUs forgotten to keep `pathMTUs` within `maxFlows` host pairs (addresses seen
    /// in more pairs than flows are kept: spoofed, or a very large fabric).
    public internal(set) var forgottenPathMTUs: UInt64 = 0
    /// Host pairs (unordered) whose path MTU was only inferred from the spacing of READ
    /// requests, not learned from a full packet: a READ lost before the capture point makes
    /// that spacing a multiple of the real one, so a later, smaller spacing corrects it.
    var inferredMTUPairs: Set<HostPair> = []
    static let maximumInferredPairs = 4096

    public init(filter: PacketFilter = PacketFilter(), configuration: EngineConfiguration = EngineConfiguration()) {
        self.filter = filter
        self.configuration = configuration
        table = FlowTable(capacity: configuration.maxFlows)
    }

    /// Flows currently in the table.
    public var flows: [FlowStats] { table.all }
    /// The flows with counted packets, busiest first (`FlowTable.busiestFirst`), read in
    /// place from the table: none is copied (a flow is about a kilobyte).
    public var flowsBusiestFirst: FlowList { table.busiestFirst }
    /// The flow with this key, if in the table.
    public func flow(_ key: FlowKey) -> FlowStats? { table.slot(of: key).map { table[$0] } }
    /// Flows evicted to keep the table within `maxFlows`.
    public var evictions: UInt64 { table.evictions }
    /// The path MTU used for the pair of hosts.
    public func pathMTU(between a: IPAddress, and b: IPAddress) -> Int {
        knownPathMTU(between: a, and: b) ?? configuration.defaultPathMTU
    }

    /// The path MTU given or learned between two hosts; nil while neither.
    func knownPathMTU(between a: IPAddress, and b: IPAddress) -> Int? {
        configuration.pathMTU ?? pathMTUs[HostPair(a, b).unordered]
    }

    // MARK: - Ingest (requests: StatsEngine+Requests.swift; responses and pairing:
    // StatsEngine+Responses.swift; path MTU: StatsEngine+PathMTU.swift; rates: StatsEngine+Rates.swift)

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
                      timestamp: timestamp, sampled: configuration.sampling.samplesEveryFlow)
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
                flow.counts.count(packet, frameLength: frameLength)
                flow.opcodes.add(packet.bth.opcode)
                if icrcError { flow.icrcErrors &+= 1 }
            }
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
                return analyseResponse(packet, &flow, counted: matched)
            }
            return nil
        }
        let classes = info.classes
        // Replies are settled when one arrives, never on a request: replies owed by requests
        // after the reverse flow's last reply are not counted lost, since a responder that has
        // gone silent (its QP destroyed, as when rc_pingpong's client exits while the server
        // still resends its last SEND) answers nothing rather than losing every answer.
        if classes.contains(.request) { return }
        guard classes.contains(.response) else { return }
        let paired = pairedRequestFlow(for: slot, packet: packet)
        // READ responses and atomic acknowledgements are accounted for in the PSN ledger of
        // this flow, against the PSNs their requests reserved: none while the flow is not
        // paired (its requests came before the capture began), so what such a response skips
        // at the start of a message is not due, and what it carries is carried, as for any
        // response (before, they went uncounted: a read_bw cut to begin 29 % in had 136 fewer
        // distinct PSNs than count.py on one flow, and packets != distinct + retransmitted).
        if classes.contains(.read) || (classes.contains(.atomic) && classes.contains(.acknowledge)) {
            let reserved = classes.isDisjoint(with: OpcodeClass.startOfMessage) ? nil : paired.map { table[$0].reservations } ?? []
            let mtu = pathMTU(between: packet.ip.source, and: packet.ip.destination)
            let readStart = classes.contains(.read) && classes.contains(.last)
                ? paired.flatMap { table[$0].readStart(containing: packet.bth.psn, mtu: mtu) } : nil
            table.update(slot) { flow in
                analyseResponsePSN(packet, &flow, timestamp: timestamp, expected: reserved, mtu: mtu, readStart: readStart)
            }
        }
        let reply = classes.contains(.acknowledge) || classes.contains(.read)
        guard let request = paired else {
            if reply { table.update(slot) { $0.responses.earlyReplies &+= 1 } }
            return
        }
        // A response acts on its request flow: a NAK asks for a PSN again, an ACK or a
        // response ends round trips.
        if let consequence, consequence.nak != nil || consequence.covering != nil {
            table.update(request) { flow in
                let answer: ResponderModel.Answer = consequence.nak != nil ? .nak
                    : classes.contains(.read) || classes.contains(.atomic) ? .response : .ack
                flow.responder.responderAnswered(through: consequence.covering ?? PSN.add(consequence.nak ?? 0, PSN.mask), answer)
                if let nak = consequence.nak {
                    // A sequence-error NAK acknowledges every PSN before it: it opens the send
                    // window as an ACK does.
                    if consequence.sequenceError { flow.psn.noteACK() }
                    flow.psn.noteNAK(expecting: nak)
                    if consequence.receiverNotReady {
                        flow.responder.receiverNotReady(at: nak)
                    } else {
                        flow.responder.responderExpects(nak, outOfSequence: consequence.sequenceError)
                    }
                } else if consequence.isACK {
                    flow.psn.noteACK()
                }
                if let covering = consequence.covering { flow.rtt.response(covering: covering, time: timestamp, domain: domain) }
            }
        }
        if reply && !table[request].responder.caughtUp { table.update(slot) { $0.responses.earlyReplies &+= 1 } }
        settleReplies(request: request, response: slot)
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
}
