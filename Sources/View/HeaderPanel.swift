import Report
import Stats

extension ViewModel {
    /// The header: the source, elapsed time and state; totals and rates; the QP count, sort
    /// and filter. `count` is 3, or 1 on a short terminal (the first line only).
    func headerLines(width: Int, count: Int) -> [StyledLine] {
        var first = firstHeaderLine(name: data.status.name)
        if first.width > width, let slash = data.status.name.lastIndex(of: "/") {
            // A long path: its last component.
            first = firstHeaderLine(name: String(data.status.name[data.status.name.index(after: slash)...]))
        }
        guard count > 1 else { return [first] }
        return [first] + totalsLines(width: width)
    }

    /// The source, its state, the elapsed time and the feed's notes.
    private func firstHeaderLine(name: String) -> StyledLine {
        let status = data.status
        let sep = symbols.separator
        var first = StyledLine("rdmatop", .title)
        first.append(" \(status.kind.rawValue) ")
        first.append(name, .emphasis)
        if status.kind != .file { first.append(" (\(status.mode))") }
        if state.paused {
            first.append(" ")
            first.append(" PAUSED ", .badge)
        }
        if status.ended && status.kind == .file {
            first.append(" ")
            first.append(" end of file ", .badge)
        }
        first.append(sep)
        first.append(Format.duration(status.elapsedSeconds), .emphasis)
        switch status.kind {
        case .interface: first.append(" up")
        case .file: first.append(" replayed")
        }
        if let cost = status.cost {
            // Fixed widths: the line must not change its layout (a long path shortened or
            // not) as the figures gain or lose a digit.
            func padded(_ text: String, _ width: Int) -> String {
                Format.spaces(width - text.count) + text
            }
            first.append(sep + "CPU ")
            first.append(padded(cost.cpuPercent.map { Units.fixed(min($0, 999), digits: 0) + "%" } ?? "-", 4), .emphasis)
            if status.kind == .interface {
                first.append(" probe ")
                first.append(padded(cost.probeNanosecondsPerPacket.map { "\(Int(min($0, 99_999).rounded()))" } ?? "-", 5)
                             + " ns/pkt", .emphasis)
            }
        }
        for note in status.notes {
            first.append(sep + note)
        }
        return first
    }

    /// Totals and rates; the QPs shown, the sort and the filter, and the rate sparkline.
    private func totalsLines(width: Int) -> [StyledLine] {
        let status = data.status

        let t = data.totals
        var second = StyledLine("packets ")
        second.append(Format.count(t.packets), .emphasis)
        second.append(" (\(Format.bytes(Double(t.bytes))))  RoCE ")
        second.append(Format.count(t.rocePackets), .emphasis)
        second.append("  ")
        second.append(Format.rate(data.packetRate) + " pkt/s", .emphasis)
        second.append("  ")
        second.append(Format.bytes(data.byteRate) + "/s", .emphasis)
        if let lost = status.lostEvents {
            second.append("  lost events ")
            second.append(Format.count(lost), lost > 0 ? .alert : .emphasis)
            // What to do about it: the analysis of the flows that lost events is short.
            if lost > 0, !data.sampled { second.append(" (--sample N)", .dim) }
        }
        if data.sampled { second.append("  events sampled", .emphasis) }
        if data.sampledQPs > 0 {
            // Under backlog: the analysis of those QPs is not measured (-).
            second.append("  sampled under load ")
            second.append(Format.count(UInt64(data.sampledQPs)) + " QPs", .alert)
        }
        second.append("  ICRC err ")
        second.append(Format.count(t.icrcErrors), t.icrcErrors > 0 ? .alert : .emphasis)
        second.append("/" + Format.count(t.icrcChecked))
        if t.malformed > 0 {
            second.append("  malformed ")
            second.append(Format.count(t.malformed), .alert)
        }

        var third = StyledLine("QPs ")
        third.append(state.filter.isEmpty ? "\(data.flows.count)" : "\(rows.count) of \(data.flows.count)", .emphasis)
        if data.evictions > 0 { third.append(" (\(Format.count(data.evictions)) evicted)") }
        third.append("  sort ")
        switch state.focus {
        case .qps:
            third.append(state.qpSort.column.title + (state.qpSort.descending ? symbols.descending : symbols.ascending), .emphasis)
        case .opcodes:
            third.append(state.opcodeSort.column.title + (state.opcodeSort.descending ? symbols.descending : symbols.ascending),
                         .emphasis)
        }
        third.append("  filter ")
        third.append(state.filter.isEmpty ? "none" : state.filter.description, state.filter.isEmpty ? .dim : .emphasis)
        third.append("  delay \(Format.seconds(state.delay))")
        let room = width - third.width - 8
        if room >= 10, !data.packetRateHistory.isEmpty {
            let n = min(room, RateMeter.historyLength)
            third.append("  ")
            third.append(Sparkline.render(data.packetRateHistory, width: n, levels: symbols.sparkline), .chart)
        }
        return [second, third]
    }
}

