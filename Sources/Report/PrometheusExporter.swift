import Stats

/// The Prometheus exposition of rdmatop's counters (text format 0.0.4), rendered from the
/// metric table (`GlobalMetric.all`, `FlowMetric.all`).
///
/// Per-QP series have bounded cardinality: the `topK` busiest flows (by packets) each have
/// their own series, labelled `src`, `dst`, `qpn`, `direction` and `transport`; the rest are
/// folded into one series labelled `qpn="other"`. Every update adds what each flow counted
/// since the previous update to the series the flow has *now* (its own, or "other"), so:
/// - no series ever goes backwards: a flow that leaves the top K stops growing its series
///   (which is no longer exposed), its growth goes to "other", and when it comes back its
///   series continues from where it stopped;
/// - every packet is added to exactly one series, so `sum(rate(rdmatop_qp_packets_total[...]))`
///   is the rate of all flows at all times; the sum of the counters' values equals every
///   flow's count as long as no series has left the exposition (a hidden series keeps what it
///   had counted, and Prometheus no longer sees it);
/// - a flow that was in the top K from its first packet has exactly its own count;
/// - an estimate the analysis revises down (a missing PSN that turns out reordered within
///   1 ms) holds the counter at its highest value until the estimate passes it again;
/// - a flow evicted from the flow table (`--max-flows`) loses its series; if it comes back,
///   it starts again from 0, like a restarted exporter's (Prometheus' `rate` handles that).
public final class PrometheusExporter {
    /// Per-QP series kept (the rest is folded into `qpn="other"`).
    public let topK: Int
    /// `rdmatop_build_info{version}`.
    public let version: String

    private struct Tracked {
        var labels: [(String, String)]
        /// The flow's numbers at the last update (their high-water marks).
        var seen: QPSeries
        /// Its own series.
        var series: QPSeries
        var shown: Bool
        /// The flow's `revision` and `packets` at the last update: when both are the same,
        /// nothing was counted since and the flow is skipped.
        var revision: UInt64 = 0
        var packets: UInt64 = 0
    }

    private var tracked: [FlowKey: Tracked] = [:]
    private var other = QPSeries.zero
    private var shown: [FlowKey] = []
    private var snapshot: Snapshot?

    public init(topK: Int, version: String) {
        self.topK = topK
        self.version = version
    }

    /// Takes the counters of a new snapshot of the same run.
    public func update(_ snapshot: Snapshot) {
        self.snapshot = snapshot
        var present = Set<FlowKey>()
        present.reserveCapacity(snapshot.flows.count)
        var top: [FlowKey] = []
        // `flows` is busiest first.
        for (rank, f) in snapshot.flows.enumerated() {
            present.insert(f.key)
            if let t = tracked[f.key], t.revision == f.revision, t.packets == f.packets {
                // Nothing counted since the last update: no growth to add to any series.
                if rank < topK {
                    if !t.shown || t.labels.isEmpty { tracked[f.key]!.labels = PrometheusExporter.labels(f) }
                    top.append(f.key)
                }
                if t.shown != (rank < topK) { tracked[f.key]!.shown = rank < topK }
                continue
            }
            let now = QPSeries(f)
            var t = tracked[f.key] ?? Tracked(labels: [], seen: .zero, series: .zero, shown: false)
            // Fewer packets than before: the flow was evicted and counted again from 0.
            if now.counters[0] < t.seen.counters[0] { t.seen = .zero }
            t.shown = rank < topK
            if t.shown {
                t.series.addGrowth(from: &t.seen, to: now)
                t.labels = PrometheusExporter.labels(f)
                top.append(f.key)
            } else {
                other.addGrowth(from: &t.seen, to: now)
            }
            t.revision = f.revision
            t.packets = f.packets
            tracked[f.key] = t
        }
        if tracked.count > present.count { tracked = tracked.filter { present.contains($0.key) } }
        shown = top
    }

    /// The labels of a flow's series.
    static func labels(_ f: FlowStats) -> [(String, String)] {
        var l = [("src", f.key.source.description), ("dst", f.key.destination.description), ("qpn", String(f.key.qpn))]
        if let d = f.direction.jsonName { l.append(("direction", d)) }
        l.append(("transport", f.transport.name))
        return l
    }

    /// The exposition, in the text format (one HELP and one TYPE line per metric).
    public func render() -> String {
        var out = PrometheusText()
        out.family("rdmatop_build_info", .gauge, help: "rdmatop's version")
        out.sample("rdmatop_build_info", [("version", version)], "1")
        if let s = snapshot {
            out.family("rdmatop_source_info", .gauge, help: "where the packets come from: the interface (or file) and the attach mode")
            out.sample("rdmatop_source_info", [("interface", s.source.interface ?? s.source.file ?? ""), ("mode", s.source.mode),
                                               ("events", s.source.events)], "1")
            for g in GlobalMetric.all {
                guard let p = g.prometheus else { continue }
                out.family(p.name, p.kind, help: g.help)
                out.sample(p.name, [], g.scale == 1 ? String(g.value(s)) : String(Double(g.value(s)) * g.scale))
            }
            out.family("rdmatop_opcode_packets_total", .counter, help: "RoCE packets by BTH opcode")
            for op in s.opcodes { out.sample("rdmatop_opcode_packets_total", [("opcode", op.name)], String(op.packets)) }
            out.family("rdmatop_opcode_bytes_total", .counter, help: "bytes of RoCE packets by BTH opcode")
            for op in s.opcodes { out.sample("rdmatop_opcode_bytes_total", [("opcode", op.name)], String(op.bytes)) }
        }
        // Each series' labels, escaped and joined once.
        let series: [(String, QPSeries)] = (shown.compactMap { key in tracked[key].map { ($0.labels, $0.series) } }
            + (other == .zero ? [] : [([("qpn", "other")], other)])).map { (PrometheusText.labels($0.0), $0.1) }
        // Sampled events: what needs every packet is not measured, so not exported; but the
        // round trips, which the kernel then times, and the counts of its PSN window, on the
        // series of the flows it follows.
        // Sampled under backlog (`--sample auto`), only the series of the QPs sampled lack
        // them, from the start; a QP sampled later keeps what it had.
        let sampled = snapshot?.source.events == "sampled", kernelRTT = snapshot?.source.roundTrips == "kernel"
        let kernelPSNs = snapshot?.source.psns == "kernel", auto = snapshot?.source.events == "auto"
        for (i, row) in QPSeries.counterRows.enumerated()
        where !(sampled && row.needsEveryPacket && !(kernelRTT && row.group == .rtt) && !(kernelPSNs && row.kernelWindow != .none)) {
            let name = row.prometheus!.name
            out.family(name, .counter, help: row.help)
            for (labels, values) in series
            where values.measured[i] || !((sampled && row.kernelWindow != .none) || (auto && row.needsEveryPacket)) {
                out.sample(name, labels, String(values.counters[i]))
            }
        }
        for (i, row) in QPSeries.splitRows.enumerated() {
            let name = row.prometheus!.name, label = row.prometheus!.label ?? "label"
            out.family(name, .counter, help: row.help)
            for (labels, values) in series {
                for (value, n) in values.splits[i].sorted(by: { $0.key < $1.key }) {
                    out.sample(name, labels + "," + PrometheusText.labels([(label, value)]), String(n))
                }
            }
        }
        let rtt = "rdmatop_qp_rtt_seconds"
        if sampled && !kernelRTT { return out.text }
        out.family(rtt, .histogram, help: "round-trip time from a request to the ACK or response that covers it, at the capture point")
        for (labels, values) in series {
            var cumulative: UInt64 = 0
            for (bound, n) in zip(RoundTripTimes.bucketBoundsMicroseconds, values.rttBuckets) {
                cumulative += n
                out.sample(rtt + "_bucket", labels + ",le=\"\(Double(bound) / 1e6)\"", String(cumulative))
            }
            out.sample(rtt + "_bucket", labels + ",le=\"+Inf\"", String(cumulative))
            out.sample(rtt + "_sum", labels, String(Double(values.rttSumMicroseconds) / 1e6))
            out.sample(rtt + "_count", labels, String(cumulative))
        }
        return out.text
    }
}

/// Lines of the Prometheus text exposition format.
struct PrometheusText {
    private(set) var text = ""

    /// A metric's HELP and TYPE lines.
    mutating func family(_ name: String, _ kind: PrometheusMetric.Kind, help: String) {
        text += "# HELP \(name) \(help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n"))\n"
        text += "# TYPE \(name) \(kind.rawValue)\n"
    }

    /// One sample line.
    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
        sample(name, PrometheusText.labels(labels), value)
    }

    /// One sample line, its labels already joined (`PrometheusText.labels`).
    mutating func sample(_ name: String, _ labels: String, _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            text += labels
            text += "}"
        }
        text += " "
        text += value
        text += "\n"
    }

    /// `a="x",b="y"`, the values escaped.
    static func labels(_ labels: [(String, String)]) -> String {
        labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}
