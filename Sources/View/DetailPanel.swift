import Histogram
import Attribution
import Report
import RoCE
import Stats

extension ViewModel {
    /// The detail view, scrolled: `height` lines of `detailLines`.
    mutating func detailWindow(width: Int, height: Int) -> [StyledLine] {
        guard height > 0 else { return [] }
        let all = detailLines(width: width)
        if height > 2 { pageSize = height - 1 }
        state.detailScroll = max(0, min(state.detailScroll, all.count - height))
        return Array(all.dropFirst(state.detailScroll).prefix(height))
    }

    /// Everything about the selected flow, as lines of at most `width` columns.
    public func detailLines(width: Int) -> [StyledLine] {
        guard let key = state.selectedFlow else { return [StyledLine("  no QP selected", .dim)] }
        guard let f = data.flow(key) else {
            return [StyledLine("  QP \(Format.qpn(key.qpn)) \(key.source) > \(key.destination) is no longer in the table", .dim)]
        }
        var out: [StyledLine] = []
        var title = StyledLine("QP ", .section)
        title.append(Format.qpn(f.key.qpn), .section)
        title.append("  \(f.key.source) > \(f.key.destination)  \(f.transport.name)", .emphasis)
        if let d = f.direction.jsonName { title.append("  " + d) }
        title.append("  UDP source port \(f.udpSourcePort)")
        out.append(title)
        if let owner = data.owners?[f.key] { out += labelled("owner", width: width, ownerItems(owner)) }

        if let r = f.reverse {
            var items = [("flow", "\(r.source) > \(r.destination) qpn \(Format.qpn(r.qpn))")]
            if let rev = data.flow(r) {
                items += [("packets", Format.count(rev.packets)), ("ACKs", Format.count(rev.counts.acks)),
                          ("NAKs", Format.count(rev.counts.nakCount)), ("RNR NAKs", Format.count(rev.counts.rnrNaks))]
            }
            out += labelled("reverse", width: width, items)
        } else {
            out.append(StyledLine("reverse    ", .section) + StyledLine("not paired", .dim))
        }

        let history = f.packetRate.history
        let sparkWidth = max(1, min(RateMeter.historyLength, width - 11 - 24))
        var spark = StyledLine("pkt/s      ", .section)
        spark.append(Sparkline.render(history, width: sparkWidth, levels: symbols.sparkline), .chart)
        spark.append("  now \(Format.rate(f.packetRate.last)) peak \(Format.rate(history.max() ?? 0))")
        out.append(spark)

        out += labelled("traffic", width: width, items(.traffic, f) + [
            ("pkt/s", Format.rate(f.packetRate.last)), ("bytes/s", Format.bytes(f.byteRate.last)),
            ("msgs/s", f.sampled ? "-" : Format.rate(f.messageRate.last)),
        ])
        if f.sampled {
            // With --sample N the kernel's PSN window follows request flows; sampled under
            // backlog (--sample auto), only its round trips stand in.
            let kernel = f.kernelPSNs.measured ? "what the kernel counts (distinct, RETX, MISS, messages of requests; RTT)"
                : "the round trips, which the kernel times"
            out.append(StyledLine("opcodes    ", .section)
                       + StyledLine("events sampled: opcodes, messages and PSN analysis not measured, but \(kernel)", .dim))
            if f.kernelPSNs.messagesMeasured { out += labelled("messages", width: width, items(.messages, f)) }
        } else {
            let ops = f.opcodes.sorted
            out += labelled("opcodes", width: width, ops.map { (Format.shortOpcodeName($0.opcode), Format.count($0.count)) })
            let m = f.messages
            out += labelled("messages", width: width, items(.messages, f) + [
                ("min", m.count == 0 ? "-" : Format.bytes(Double(m.minBytes))),
                ("mean", m.count == 0 ? "-" : Format.bytes(m.meanBytes)),
                ("max", m.count == 0 ? "-" : Format.bytes(Double(m.maxBytes))),
            ])
        }
        for group in [MetricGroup.psns, .responses, .congestion, .errors] where !(f.sampled && group == .psns && !f.psnsMeasured) {
            var shown = items(group, f)
            if group == .psns {
                let of = f.sampled ? "requests (kernel window)"
                    : f.psn.started ? (f.carriesRequestPSNs ? "requests" : "responses") : "none"
                shown.insert(("of", of), at: 0)
            }
            out += labelled(group.rawValue, width: width, shown,
                            alarm: FlowMetric.group(group).contains { $0.alarm && $0.measured(f) && $0.value(f) > 0 })
        }
        if f.roundTripsMeasured { out += rttLines(f.rtt, width: width) }
        out += previewLines(f, width: width)
        return out.map { $0.truncated(to: width) }
    }

    /// Whose the QP is: the process, the QP's type and state, its device and port.
    private func ownerItems(_ o: QPOwner) -> [(String, String)] {
        var items: [(String, String)] = [("kind", o.kind.rawValue)]
        if let pid = o.pid { items.append(("pid", String(pid))) }
        if let comm = o.comm { items.append(("comm", comm)) }
        if let t = o.typeName { items.append(("type", t)) }
        if let s = o.stateName { items.append(("state", s + (o.destroyed ? " (destroyed)" : ""))) }
        if let d = o.device { items.append(("device", d + (o.port.map { " port \($0)" } ?? ""))) }
        return items
    }

    /// A detail section's counters from the metric table; a split counter (NAKs by code, RNR
    /// NAKs by timer) is followed by its parts.
    private func items(_ group: MetricGroup, _ f: FlowStats) -> [(String, String)] {
        var out: [(String, String)] = []
        for row in FlowMetric.group(group) where row.measured(f) {
            if row.key == "rnr_timers" {
                for (timer, n) in f.responses.rnrTimers.sorted(by: { $0.key < $1.key }) {
                    out.append(("  timer \(timer) (\(AETHSyndrome.rnrTimerDescription(timer)))", Format.count(n)))
                }
                continue
            }
            let v = row.value(f)
            out.append((row.title, row.unit == "bytes" ? Format.bytes(Double(v)) : Format.count(v)))
            for (label, n) in row.split?(f) ?? [] { out.append(("  " + label, Format.count(n))) }
        }
        return out
    }

    /// "label      k v  k v ..." wrapped under the label.
    private func labelled(_ label: String, width: Int, _ items: [(String, String)], alarm: Bool = false) -> [StyledLine] {
        let indent = 11
        var lines: [StyledLine] = []
        var line = StyledLine(Format.fit(label, indent), .section)
        var empty = true
        for (k, v) in items {
            let item = k + " " + v
            if !empty && line.width + 2 + item.count > width {
                lines.append(line)
                line = StyledLine(Format.spaces(indent))
                empty = true
            }
            if !empty { line.append("  ") }
            line.append(k + " ")
            line.append(v, alarm && v != "0" ? .alert : .emphasis)
            empty = false
        }
        if empty && items.isEmpty { line.append("-", .dim) }
        lines.append(line)
        return lines
    }

    /// Round-trip percentiles and a histogram of the samples in power-of-two buckets.
    private func rttLines(_ rtt: RoundTripTimes, width: Int) -> [StyledLine] {
        guard let h = rtt.histogram, rtt.count > 0 else {
            return labelled("RTT", width: width, [("samples", "0")])
        }
        var lines = labelled("RTT", width: width, [
            ("p50", rtt.percentile(50).map(Format.microseconds) ?? "-"),
            ("p90", rtt.percentile(90).map(Format.microseconds) ?? "-"),
            ("p99", rtt.percentile(99).map(Format.microseconds) ?? "-"),
            ("max", Format.microseconds(h.max)), ("samples", Format.count(rtt.count)),
        ] + (rtt.fromKernel ? [("timed", "in the kernel, log2 buckets")] : []))
        let buckets = RTTBuckets.make(h)
        let peak = max(1, buckets.map(\.count).max() ?? 1)
        let barWidth = max(4, min(40, width - 11 - 22 - 8))
        for b in buckets {
            var line = StyledLine(Format.spaces(11))
            line.append(Format.fit(Format.microseconds(b.low) + "-" + Format.microseconds(b.high), 20) + " ")
            let n = b.count == 0 ? 0 : max(1, Int(Double(b.count) / Double(peak) * Double(barWidth)))
            line.append(String(repeating: symbols.bar, count: n), .chart)
            line.append(" " + Format.count(b.count))
            lines.append(line)
        }
        return lines
    }

    /// The flow's last payload previews, as hex and ASCII.
    private func previewLines(_ f: FlowStats, width: Int) -> [StyledLine] {
        guard !f.previews.isEmpty else { return labelled("payload", width: width, [("previews", "none")]) }
        var lines = [StyledLine(Format.fit("payload", 11), .section) + StyledLine("last \(f.previews.count), newest first")]
        for p in f.previews.reversed() {
            var head = StyledLine("  " + Format.shortOpcodeName(p.opcode), .emphasis)
            head.append("  PSN \(Units.hex(p.psn, width: 6))  \(p.length) bytes")
            if p.bytes.count < p.length { head.append(", first \(p.bytes.count) shown") }
            lines.append(head)
            let dump = p.bytes.withUnsafeBytes { HexDump.lines($0, indent: "  ") }
            lines += dump.map { StyledLine($0) }
        }
        return lines
    }
}

extension StyledLine {
    static func + (a: StyledLine, b: StyledLine) -> StyledLine {
        var out = a
        for s in b.segments { out.append(s.text, s.style) }
        return out
    }
}

/// Round-trip samples counted in power-of-two ranges of microseconds.
enum RTTBuckets {
    struct Bucket: Equatable {
        var low: UInt64
        var high: UInt64
        var count: UInt64
    }

    /// At most 12 buckets from the smallest to the largest sample (ranges widen to fit).
    static func make(_ h: Histogram<UInt32>) -> [Bucket] {
        let low = max(1, h.min), high = max(low, h.max)
        var lowExp = 0
        while (UInt64(1) << (lowExp + 1)) <= low { lowExp += 1 }
        var highExp = lowExp
        while (UInt64(1) << (highExp + 1)) <= high { highExp += 1 }
        var step = 1
        while (highExp - lowExp) / step + 1 > 12 { step += 1 }
        var buckets: [Bucket] = []
        var e = lowExp
        while e <= highExp {
            let a = UInt64(1) << e
            let b = (UInt64(1) << min(62, e + step)) - 1
            buckets.append(Bucket(low: a, high: b + 1, count: h.count(within: a...b)))
            e += step
        }
        return buckets
    }
}
