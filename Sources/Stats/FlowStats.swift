import RoCE

/// Everything counted for one flow (source IP, destination IP, destination QPN).
public struct FlowStats: Sendable {
    /// Changes whenever the engine writes to the flow, except its rate meters' ticks: a
    /// reader that remembers it (with `packets`, which exact kernel counts may change) can skip
    /// a flow whose counters it has already read.
    public internal(set) var revision: UInt64 = 0
    public let key: FlowKey
    /// Transport of the flow's first packet.
    public var transport: Transport
    /// Direction of the flow's packets as the source saw them (live capture, cooked pcap).
    public var direction: PacketDirection
    /// The flow of the other direction of the same connection (ACKs, NAKs, READ responses
    /// go to the requester's QPN with the addresses swapped), once paired.
    public var reverse: FlowKey?
    /// UDP source port of the flow's first packet (RoCEv2 flow entropy).
    public var udpSourcePort: UInt16

    /// Packets, bytes, ACKs, NAKs and congestion signals, counted as the kernel counts them
    /// (the packets that pass the engine's filter).
    public var counts = FlowCounts()
    /// Packets counted (`counts.packets`).
    public var packets: UInt64 { counts.packets }
    /// Bytes on the wire (frame lengths).
    public var bytes: UInt64 { counts.bytes }
    /// Payload bytes (pad excluded).
    public var payloadBytes: UInt64 { counts.payloadBytes }
    public var opcodes = OpcodeCounts()
    public var icrcErrors: UInt64 = 0
    public var malformed: UInt64 = 0

    /// PSN accounting of the flow's requests, or of the READ responses and atomic
    /// acknowledgements it carries (docs/analysis.md).
    public var psn = PSNLedger()
    /// In a flow that carries requests too (a ping-pong, rping), its READ responses' PSNs: only
    /// to tell a response message first carried from one resent. Out of line: few flows carry
    /// both, and a ledger is 240 bytes.
    var responsePSNs: PSNLedger {
        get { responsePSNStorage.value }
        _modify { yield &responsePSNStorage.value }
    }
    private var responsePSNStorage = OutOfLine<PSNLedger>()
    /// The kernel's PSN window of the flow's requests (live, with sampled events): what the
    /// PSN columns show then (`distinctPSNs`, ...). Out of line: files never fill it.
    public var kernelPSNs: KernelPSNCounts {
        get { kernelPSNStorage.value }
        _modify { yield &kernelPSNStorage.value }
    }
    private var kernelPSNStorage = OutOfLine<KernelPSNCounts>()
    /// Whether the flow's distinct, retransmitted and missing PSNs are measured: from every
    /// packet, or, when the events were sampled, by the kernel's PSN window.
    public var psnsMeasured: Bool { !sampled || kernelPSNs.measured }
    /// Packets the kernel counted for the flow that its analysis lacks, but for those
    /// sampling left out (`unsampledPackets`): events the ring buffer could not take
    /// (`lost_events`), or, for a flow the engine's table dropped (`--max-flows`) and counts
    /// again, the packets it saw before; 0 when the counts are the engine's own (files, a
    /// filter). Its PSN analysis, messages and opcodes miss them. Events still in the ring
    /// buffer when the kernel's counts were read count too, until they arrive.
    public var lostEvents: UInt64 {
        let seen = opcodes.total &+ malformed &+ unsampledPackets
        return counts.packets > seen ? counts.packets - seen : 0
    }
    /// `distinct_psns`, `retransmitted_packets`, `missing_psns`: the ledger's, or the kernel's
    /// window's when the events were sampled.
    public var distinctPSNs: UInt64 { sampled ? kernelPSNs.distinct : psn.distinct }
    public var retransmittedPackets: UInt64 { sampled ? kernelPSNs.retransmitted : psn.retransmitted }
    public var missingPSNs: UInt64 { sampled ? kernelPSNs.missing : psn.missing }
    /// `messages`, `partial_messages`: the ledger's, or the kernel's window's when the events
    /// were sampled.
    public var messageCount: UInt64 { sampled ? kernelPSNs.messages : messages.count }
    public var partialMessageCount: UInt64 { sampled ? kernelPSNs.partialMessages : messages.partial }
    /// The ACKs and NAKs the flow's requests are owed by their responder.
    public var responder = ResponderModel()
    /// ACKs and NAKs the reverse flow's requests were owed but this flow did not carry:
    /// replies lost before the capture point (kept up to date by the engine).
    public var lostReplies: UInt64 = 0
    /// Requests lost before the capture point that only a timeout shows: the next PSN, new,
    /// after the flow was silent for about the requester's retransmission timeout
    /// (docs/analysis.md, `lost_timeouts`).
    public var lostTimeouts: UInt64 = 0
    /// The flow's previous request was a retransmission (a timeout run is going on).
    var retransmitting = false
    /// The IBTA timeout exponent an earlier silence of this flow matched while no timeout was
    /// known between its hosts: a second one of the same shows the timer (noteTimeouts).
    var timeoutCandidate: Int8?
    /// The silence before the flow's last request that started a message (nanoseconds): the
    /// pace a silence of a timeout must stand out from.
    var messageStartSilence: Int64 = 0
    public var responses = ResponseCounters()
    public var messages = MessageLedger()
    public var rtt = RoundTripTimes()
    public var previews: [PayloadPreview] = []
    /// The flow's packets reached the engine sampled: all flows' with `--sample N`
    /// (`EngineConfiguration.sampling`), or this flow's since the probe left some of
    /// them out under backlog (`unsampledPackets`). Its counts come from elsewhere (the
    /// kernel), and what needs every packet (the PSN analysis, messages, round trips,
    /// opcodes) is not measured. Once sampled, always: the analysis missed those packets.
    public var sampled: Bool
    /// The flow's packets the probe counted but left out of the events (the kernel's count).
    public var unsampledPackets: UInt64 = 0
    /// Whether the engine saw any of the flow's packets: false for a flow that only the
    /// kernel's counts know (live, every one of its events lost). What needs every packet is
    /// then not measured at all, rather than 0.
    public var analysed = true
    /// Whether the flow's round trips are measured: from every packet, or by the kernel
    /// when the events were sampled.
    public var roundTripsMeasured: Bool { !sampled || rtt.fromKernel }

    /// Rates, updated by `StatsEngine.tick`.
    public var packetRate = RateMeter()
    public var byteRate = RateMeter()
    public var messageRate = RateMeter()

    /// Timestamps of the first and last packet, nanoseconds since the epoch.
    public var firstSeen: Int64
    public var lastSeen: Int64

    /// A READ request whose response count awaits a learned path MTU: (PSN, DMA length, the
    /// span assumed, whether that span came from an MTU inferred from READ spacing).
    var pendingRead: (psn: UInt32, length: UInt32, span: UInt32, inferred: Bool)?
    /// Recent READs whose span was set from READ spacing (the path MTU inferred), with when
    /// that was: a later, smaller spacing corrects them.
    var inferredReads: [(psn: UInt32, length: UInt32, span: UInt32, time: Int64)] = []
    static let maximumInferredReads = 16
    /// PSN ranges recent READ and atomic requests reserved for their responses, oldest first.
    var reservations: [(start: UInt32, count: UInt32)] = []
    static let maximumReservations = 64
    /// Recent READ requests first carried: where each one's responses begin and its DMA
    /// length, in PSN order. A READ response's LAST takes its message's start from here, so
    /// its size does not depend on seeing the FIRST before it (a response lost and requested
    /// again may come thousands of packets later).
    var readRequests: [(psn: UInt32, length: UInt32)] = []
    static let maximumReadRequests = 1024

    public init(key: FlowKey, transport: Transport, direction: PacketDirection, udpSourcePort: UInt16, timestamp: Int64,
                sampled: Bool = false) {
        self.key = key
        self.sampled = sampled
        self.transport = transport
        self.direction = direction
        self.udpSourcePort = udpSourcePort
        firstSeen = timestamp
        lastSeen = timestamp
    }

    /// Transmissions lost before the capture point: PSNs and retransmissions of this flow's
    /// own sequence, and replies it owed the reverse flow (docs/analysis.md).
    public var lostPackets: UInt64 { (carriesRequestPSNs ? psn.lostPackets &+ lostTimeouts : 0) &+ lostReplies }

    /// Whether this flow carries requests (as opposed to acknowledgements and responses).
    public var carriesRequests: Bool { carriesRequestPSNs }
    /// Whether the flow's PSN ledger counts requests (else responses, or nothing).
    public var carriesRequestPSNs = false

    mutating func reserve(_ start: UInt32, _ count: UInt32) {
        // Back-to-back requests reserve one range.
        if let last = reservations.last, PSN.add(last.start, last.count) == start, last.count < PSN.half / 2 {
            reservations[reservations.count - 1].count += count
            return
        }
        reservations.append((start, count), keepingAtMost: FlowStats.maximumReservations)
    }

    mutating func noteReadRequest(psn: UInt32, length: UInt32) {
        readRequests.append((psn, length), keepingAtMost: FlowStats.maximumReadRequests,
                            dropping: FlowStats.maximumReadRequests / 4)
    }

    /// The first PSN of the READ whose responses at path MTU `mtu` include `psn`: the nearest
    /// READ request at or before it (the list is in PSN order, so the first found from the
    /// end), if its responses reach that far.
    func readStart(containing psn: UInt32, mtu: Int) -> UInt32? {
        for r in readRequests.reversed() {
            let d = PSN.distance(psn, from: r.psn)
            guard d < PSN.half else { continue }
            return d < UInt32(StatsEngine.responseCount(r.length, mtu: mtu)) ? r.psn : nil
        }
        return nil
    }

    mutating func noteInferredRead(psn: UInt32, length: UInt32, span: UInt32, time: Int64) {
        inferredReads.append((psn, length, span, time), keepingAtMost: FlowStats.maximumInferredReads)
    }

    /// Previews kept per flow.
    public static let maxPreviews = 4
    /// Payload bytes kept per preview.
    public static let previewBytes = 64
}

extension Sequence where Element == FlowStats {
    /// How many of the flows' events were sampled (`FlowStats.sampled`): what the text
    /// snapshot and the view's header say of sampling under backlog.
    public var sampledCount: Int { reduce(0) { $0 + ($1.sampled ? 1 : 0) } }
}
