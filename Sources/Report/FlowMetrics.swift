import RoCE
import Stats

/// What of the kernel's PSN window (`FlowStats.kernelPSNs`) stands for a row with sampled
/// events: nothing, its PSN counts (request flows without READs), or its messages (those
/// flows, when they carry no responses either).
public enum KernelWindowPart: Sendable { case none, psns, messages }

/// One per-flow number: the one place that says what it is called in the JSON snapshot, the
/// view, the text snapshot and Prometheus, and what it means (docs/analysis.md). The JSON
/// snapshot, the text snapshot, the view's QP columns, detail panel and help, and the
/// Prometheus exposition all render from `FlowMetric.all`; adding a counter is one row here
/// plus the code that counts it.
public final class FlowMetric: Sendable {
    /// The key in the JSON snapshot's `qps` objects (schema v3).
    public let key: String
    /// `key` quoted, as the JSON snapshot writes it for every QP.
    let quotedKey: [UInt8]
    /// The short name in the detail view, the help and the text snapshot.
    public let title: String
    /// The detail view's section.
    public let group: MetricGroup
    /// The unit of the value: "packets", "bytes", "psns", "messages", "events".
    public let unit: String
    /// The definition, one line (the paragraph of docs/analysis.md, shortened); also the
    /// Prometheus HELP text.
    public let help: String
    /// Whether a non-zero value signals trouble.
    public let alarm: Bool
    /// Its column in the view's QP table, if it has one.
    public let column: ViewColumn?
    /// Its column in the text snapshot's QP table (the title), if it has one.
    public let textColumn: String?
    /// Its Prometheus metric, if exported.
    public let prometheus: PrometheusMetric?
    /// The value for a flow.
    public let value: @Sendable (FlowStats) -> UInt64
    /// The value split by the Prometheus label (`code` → count), for labelled metrics.
    public let split: (@Sendable (FlowStats) -> [(String, UInt64)])?
    /// Writes the JSON value, when it is not the plain count (an object by code, say).
    public let json: (@Sendable (FlowStats, inout JSONWriter) -> Void)?
    /// Whether the number needs every packet of the flow (the PSN analysis, messages, round
    /// trips): with sampled events it is not measured.
    public var needsEveryPacket: Bool {
        switch group {
        case .psns, .messages, .rtt: return true
        default: return false
        }
    }
    /// Whether the kernel's PSN window counts it too (`FlowStats.kernelPSNs`): then it is
    /// measured with sampled events as well, on the flows the window follows.
    public let kernelWindow: KernelWindowPart

    init(_ key: String, _ title: String, _ group: MetricGroup, unit: String, alarm: Bool = false, kernelWindow: KernelWindowPart = .none,
         column: ViewColumn? = nil, text: String? = nil, prometheus: PrometheusMetric? = nil, help: String,
         split: (@Sendable (FlowStats) -> [(String, UInt64)])? = nil, json: (@Sendable (FlowStats, inout JSONWriter) -> Void)? = nil,
         value: @escaping @Sendable (FlowStats) -> UInt64) {
        self.key = key
        quotedKey = JSONWriter.quoted(key)
        self.title = title
        self.group = group
        self.unit = unit
        self.alarm = alarm
        self.kernelWindow = kernelWindow
        self.column = column
        textColumn = text
        self.prometheus = prometheus
        self.help = help
        self.split = split
        self.json = json
        self.value = value
    }

    /// Whether the row has a value for a flow: not when it needs every packet and the flow's
    /// events were sampled, except the round trips, which the kernel then times, and the
    /// counts of the kernel's PSN window, on the flows it follows; nor when it needs every
    /// packet and no event of the flow arrived (`FlowStats.analysed`).
    public func measured(_ f: FlowStats) -> Bool {
        if needsEveryPacket && !f.sampled && !f.analysed { return false }
        guard needsEveryPacket && f.sampled else { return true }
        if group == .rtt { return f.roundTripsMeasured }
        switch kernelWindow {
        case .none: return false
        case .psns: return f.kernelPSNs.measured
        case .messages: return f.kernelPSNs.messagesMeasured
        }
    }

    /// The row's JSON value for a flow; null when not measured.
    public func writeJSON(_ f: FlowStats, to out: inout JSONWriter) {
        if !measured(f) {
            out.null()
        } else if let json {
            json(f, &out)
        } else {
            out.value(value(f))
        }
    }

    /// Where the rows after which the JSON snapshot places a flow's structured fields are
    /// in `all`.
    static let malformedRow = all.firstIndex { $0.key == "malformed" }!
    static let partialMessagesRow = all.firstIndex { $0.key == "partial_messages" }!

    /// The row with JSON key `key`.
    public static func named(_ key: String) -> FlowMetric? { byKey[key] }
    private static let byKey = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })

    /// The rows of a detail section, in table order.
    public static func group(_ group: MetricGroup) -> [FlowMetric] { all.filter { $0.group == group } }

    /// The per-flow numbers, in JSON order (docs/json-schema.md).
    public static let all: [FlowMetric] = traffic + analysis + responses + congestion + messages

    static let traffic: [FlowMetric] = [
        FlowMetric("packets", "packets", .traffic, unit: "packets", column: ViewColumn("PACKETS", width: 8, priority: 16),
                   text: "PACKETS", prometheus: .counter("rdmatop_qp_packets"),
                   help: "packets the flow carried (frames with a RoCEv2 BTH)") { $0.packets },
        FlowMetric("bytes", "bytes", .traffic, unit: "bytes", text: "BYTES", prometheus: .counter("rdmatop_qp_bytes"),
                   help: "bytes of those frames, as captured on the wire (original length)") { $0.bytes },
        FlowMetric("payload_bytes", "payload", .traffic, unit: "bytes", text: "PAYLOAD",
                   help: "bytes of RoCE payload the packets carried (after every header, before pad and ICRC)") {
            $0.payloadBytes
        },
        FlowMetric("classes", "by class", .traffic, unit: "packets", prometheus: .counter("rdmatop_qp_class_packets", label: "class"),
                   help: "the flow's packets by kind of opcode: send, write, read_request, read_response, atomic (requests and acknowledgements), acknowledge, cnp, other",
                   split: { $0.counts.byClass.map { ($0.name, $0.packets) } },
                   json: { f, out in out.object { o in f.counts.forEachClass { o.key(string: $0); o.value($1) } } }) {
            $0.packets
        },
        FlowMetric("icrc_errors", "ICRC errors", .errors, unit: "packets", alarm: true, text: "ICRC ERR",
                   help: "packets whose ICRC did not match (only packets captured in full are checked)") { $0.icrcErrors },
        FlowMetric("malformed", "malformed", .errors, unit: "packets", alarm: true,
                   help: "packets of the flow the decoder rejected after the BTH") { $0.malformed },
        FlowMetric("lost_events", "lost events", .errors, unit: "packets", alarm: true,
                   help: "packets of the flow the kernel counted but could not hand over (ring buffer full, live): its PSN analysis, messages and opcodes miss them") {
            $0.lostEvents
        },
        FlowMetric("unsampled_packets", "unsampled", .traffic, unit: "packets",
                   prometheus: .counter("rdmatop_qp_unsampled_packets"),
                   help: "packets of the flow the kernel counted but sampling left out of the events (live, --sample): the QP is sampled, and what needs every packet is not measured") {
            $0.unsampledPackets
        },
    ]

    static let analysis: [FlowMetric] = [
        FlowMetric("distinct_psns", "distinct", .psns, unit: "psns", kernelWindow: .psns,
                   help: "PSNs the flow carried at least once (a READ request counts once)") { $0.distinctPSNs },
        FlowMetric("retransmitted_packets", "RETX", .psns, unit: "packets", alarm: true, kernelWindow: .psns,
                   column: ViewColumn("RETX", width: 5, priority: 6), text: "RETX",
                   prometheus: .counter("rdmatop_qp_retransmitted_packets"),
                   help: "packets whose PSN the flow had already carried: packets = distinct + RETX") {
            $0.retransmittedPackets
        },
        FlowMetric("retransmitted_after_nak", "retx after NAK", .psns, unit: "packets", alarm: true,
                   help: "of RETX, those at or after the PSN a NAK or RNR NAK of the reverse flow asked for") {
            $0.psn.retransmittedAfterNAK
        },
        FlowMetric("retransmitted_after_timeout", "retx after timeout", .psns, unit: "packets", alarm: true,
                   help: "of RETX, those no NAK asked for: the requester's retransmission timer fired") {
            $0.psn.retransmittedAfterTimeout
        },
        FlowMetric("duplicate_packets", "duplicates", .psns, unit: "packets", alarm: true,
                   help: "of RETX, copies of the flow's previous packet within 1 ms, with no NAK") { $0.psn.duplicates },
        FlowMetric("missing_psns", "MISS", .psns, unit: "psns", alarm: true, kernelWindow: .psns,
                   column: ViewColumn("MISS", width: 5, priority: 10), text: "MISS",
                   prometheus: .counter("rdmatop_qp_missing_psns"),
                   help: "PSNs the flow's highest PSN passed before they were first seen") { $0.missingPSNs },
        FlowMetric("late_psns", "late", .psns, unit: "psns",
                   help: "of MISS, first seen within 1 ms with no NAK or retransmission between: reordered") {
            $0.psn.late
        },
        FlowMetric("unrecovered_psns", "unrecovered", .psns, unit: "psns", alarm: true,
                   help: "of MISS, never seen so far") { $0.psn.unrecovered },
        FlowMetric("lost_packets", "LOST", .psns, unit: "packets", alarm: true,
                   column: ViewColumn("LOST", width: 5, priority: 5), text: "LOST",
                   prometheus: .counter("rdmatop_qp_lost_packets"),
                   help: "transmissions lost before the capture point (estimate): missing PSNs not reordered, "
                       + "retransmissions lost, requests only a timeout shows, replies lost") { $0.lostPackets },
        FlowMetric("lost_retransmissions", "lost retx", .psns, unit: "packets", alarm: true,
                   help: "of LOST, PSNs a go-back-N replay after a NAK skipped or did not reach") {
            $0.psn.lostRetransmissions
        },
        FlowMetric("lost_timeouts", "lost, timeout", .psns, unit: "packets", alarm: true,
                   help: "of LOST, SENDs and WRITEs only a timeout shows: the next PSN after the flow was silent "
                       + "for about the requester's retransmission timeout") { $0.lostTimeouts },
        FlowMetric("lost_replies", "lost replies", .psns, unit: "packets", alarm: true,
                   help: "of LOST, ACKs and NAKs the reverse flow's requests were owed (IBTA C9-105) and did not get") {
            $0.lostReplies
        },
    ]

    static let responses: [FlowMetric] = [
        FlowMetric("acks", "ACKs", .responses, unit: "packets",
                   help: "ACKNOWLEDGE packets with an ACK syndrome the flow carried") { $0.counts.acks },
        FlowMetric("naks", "NAKs", .responses, unit: "packets", alarm: true,
                   column: ViewColumn("NAK", width: 5, priority: 7), text: "NAK",
                   prometheus: .counter("rdmatop_qp_naks", label: "code"),
                   help: "NAKs the flow carried, by NAK code (PSN sequence error, invalid request, remote access or operation error)",
                   split: { $0.counts.naksByName.map { ($0.name, $0.count) } },
                   json: { f, out in
                       out.object { o in for (code, n) in f.counts.naksByName { o.key(string: code); o.value(n) } }
                   }) {
            $0.counts.nakCount
        },
        FlowMetric("rnr_naks", "RNR NAKs", .responses, unit: "packets", alarm: true,
                   column: ViewColumn("RNR", width: 5, priority: 11), text: "RNR",
                   prometheus: .counter("rdmatop_qp_rnr_naks"),
                   help: "receiver-not-ready NAKs the flow carried (the responder had no receive posted)") {
            $0.counts.rnrNaks
        },
        FlowMetric("rnr_timers", "RNR timers", .responses, unit: "packets",
                   help: "of RNR NAKs, how many asked for each RNR timer value (0-31)",
                   json: { f, out in
                       out.object { o in for (timer, n) in f.responses.rnrTimers.sorted(by: { $0.key < $1.key }) { o.key(string: String(timer)); o.value(n) } }
                   }) {
            $0.counts.rnrNaks
        },
    ]

    static let congestion: [FlowMetric] = [
        FlowMetric("cnps", "CNPs", .congestion, unit: "packets", column: ViewColumn("CNP", width: 5, priority: 12), text: "CNP",
                   prometheus: .counter("rdmatop_qp_cnps"),
                   help: "congestion notification packets (opcode 0x81) the flow carried") { $0.counts.cnps },
        FlowMetric("ecn_ce", "CE", .congestion, unit: "packets", column: ViewColumn("CE", width: 5, priority: 13), text: "CE",
                   prometheus: .counter("rdmatop_qp_ecn_ce"),
                   help: "packets of the flow with ECN Congestion Experienced in the IP header") { $0.counts.ecnCE },
        FlowMetric("fecn", "FECN", .congestion, unit: "packets", help: "packets with the BTH's FECN bit set") {
            $0.counts.fecn
        },
        FlowMetric("becn", "BECN", .congestion, unit: "packets", help: "packets with the BTH's BECN bit set") {
            $0.counts.becn
        },
    ]

    static let messages: [FlowMetric] = [
        FlowMetric("messages", "messages", .messages, unit: "messages", kernelWindow: .messages,
                   prometheus: .counter("rdmatop_qp_messages"),
                   help: "messages the flow carried, each once however often it was resent") { $0.messageCount },
        FlowMetric("partial_messages", "partial", .messages, unit: "messages", kernelWindow: .messages,
                   help: "of messages, those whose size is unknown (a packet of them was not seen)") { $0.partialMessageCount },
        FlowMetric("rtt_cross_clock", "cross-clock RTT", .rtt, unit: "events",
                   help: "request/response pairs not timed because the two were stamped by different clocks") {
            $0.rtt.crossClock
        },
    ]
}
