import Stats

/// One per-flow number of the PSN analysis (docs/analysis.md): its JSON key, its short title,
/// its one-line definition, and how to read it from a flow. The JSON snapshot, the text
/// snapshot's legend, the view's detail panel and its help all render from `all`.
public struct AnalysisCounter: Sendable {
    /// The key in the JSON snapshot (schema v3).
    public let key: String
    /// The short name in the view and the text snapshot.
    public let title: String
    /// The definition, one line (the paragraph of docs/analysis.md, shortened).
    public let definition: String
    /// The value for a flow.
    public let value: @Sendable (FlowStats) -> UInt64
    /// Whether a non-zero value signals trouble.
    public let alarm: Bool

    /// The counters, in the order they are shown.
    public static let all: [AnalysisCounter] = [
        AnalysisCounter(key: "distinct_psns", title: "distinct", alarm: false,
                        definition: "PSNs the flow carried at least once (a READ request counts once)") { $0.psn.distinct },
        AnalysisCounter(key: "retransmitted_packets", title: "RETX", alarm: true,
                        definition: "packets whose PSN the flow had already carried: packets = distinct + RETX") {
            $0.psn.retransmitted
        },
        AnalysisCounter(key: "retransmitted_after_nak", title: "retx after NAK", alarm: true,
                        definition: "of RETX, those at or after the PSN a NAK or RNR NAK of the reverse flow asked for") {
            $0.psn.retransmittedAfterNAK
        },
        AnalysisCounter(key: "retransmitted_after_timeout", title: "retx after timeout", alarm: true,
                        definition: "of RETX, those no NAK asked for: the requester's retransmission timer fired") {
            $0.psn.retransmittedAfterTimeout
        },
        AnalysisCounter(key: "duplicate_packets", title: "duplicates", alarm: true,
                        definition: "of RETX, copies of the flow's previous packet within 1 ms, with no NAK") {
            $0.psn.duplicates
        },
        AnalysisCounter(key: "missing_psns", title: "MISS", alarm: true,
                        definition: "PSNs the flow's highest PSN passed before they were first seen") { $0.psn.missing },
        AnalysisCounter(key: "late_psns", title: "late", alarm: false,
                        definition: "of MISS, first seen within 1 ms with no NAK or retransmission between: reordered") {
            $0.psn.late
        },
        AnalysisCounter(key: "unrecovered_psns", title: "unrecovered", alarm: true,
                        definition: "of MISS, never seen so far") { $0.psn.unrecovered },
        AnalysisCounter(key: "lost_packets", title: "LOST", alarm: true,
                        definition: "transmissions lost before the capture point (estimate): missing PSNs not reordered, "
                            + "retransmissions lost, replies lost") { $0.lostPackets },
        AnalysisCounter(key: "lost_retransmissions", title: "lost retx", alarm: true,
                        definition: "of LOST, PSNs a go-back-N replay after a NAK skipped or did not reach") {
            $0.psn.lostRetransmissions
        },
        AnalysisCounter(key: "lost_replies", title: "lost replies", alarm: true,
                        definition: "of LOST, ACKs and NAKs the reverse flow's requests were owed (IBTA C9-105) and did not get") {
            $0.lostReplies
        },
    ]

    init(key: String, title: String, alarm: Bool, definition: String, value: @escaping @Sendable (FlowStats) -> UInt64) {
        self.key = key
        self.title = title
        self.alarm = alarm
        self.definition = definition
        self.value = value
    }
}
