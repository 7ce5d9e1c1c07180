import RoCE
import Stats

extension Snapshot {
    /// The snapshot as text, in the manner of `top -b`: a summary, the QP table, the opcode
    /// table, and malformed packets when there are any.
    public func renderText(maxOpcodesPerQP: Int = 3) -> String {
        var bytes: [UInt8] = []
        writeText(maxOpcodesPerQP: maxOpcodesPerQP) { bytes.append(contentsOf: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The same text handed to `sink` a line or so at a time, never whole.
    public func writeText(maxOpcodesPerQP: Int = 3, to sink: (UnsafeRawBufferPointer) -> Void) {
        func line(_ text: String) {
            var text = text + "\n"
            text.withUTF8 { sink(UnsafeRawBufferPointer($0)) }
        }
        let origin: String
        switch source.kind {
        case "file": origin = "file \(source.file ?? "?")"
        default:
            let name = source.rdmaDevice.map { "\($0) on \(source.interface ?? "?")" } ?? (source.interface ?? "?")
            origin = "interface \(name) (\(source.mode))"
        }
        line("rdmatop: \(origin), \(Units.fixed(durationSeconds, digits: 3)) s"
             + (filter.map { ", filter: \($0)" } ?? ""))
        var summary = "packets \(totals.packets) (\(Units.bytes(Double(totals.bytes)))), RoCEv2 \(totals.rocePackets)"
        if filter != nil { summary += ", matched \(totals.matched)" }
        summary += ", malformed \(totals.malformed), ICRC errors \(totals.icrcErrors) of \(totals.icrcChecked) checked"
        if source.kind != "file" { summary += ", lost events \(source.lostEvents)" }
        line(summary)
        if source.kind != "file", source.lostEvents > 0, source.events != "sampled" {
            line("lost events: the ring buffer overflowed; per-QP packet counts are "
                 + (source.qpCounts == "kernel" ? "still exact (the kernel's)" : "short")
                 + ", but the PSN analysis, messages and opcodes of the QPs that lost some are short "
                 + "(qps[].lost_events in --json); try a larger --buffer-size, or --sample N to count PSNs in the kernel")
        }
        if source.events == "auto", source.unsampledPackets > 0 {
            line("events sampled under load: the ring buffer was seven eighths full, so \(source.unsampledPackets) packets "
                 + "of \(flows.sampledCount) QPs were counted in the kernel only (NAKs, CNPs, CE marks and new flows still events); "
                 + "per-QP counts exact, the messages, opcodes and PSN analysis of those QPs not measured (-); "
                 + "try a larger --buffer-size, or --sample N")
        }
        if source.events == "sampled" {
            line("events sampled: \(source.unsampledPackets) packets counted in the kernel only; per-QP counts exact, "
                 + "messages, opcodes and the PSN analysis not measured (-), but the distinct, retransmitted and missing PSNs "
                 + "and the messages of requests (no READs), counted in the kernel; round trips timed in the kernel")
        }
        if let cost = source.cost { line("cost: " + cost.summary) }
        if clocks.count > 1 {
            line("clocks: " + clocks.enumerated().map { i, c in
                "\(i + 1) \(c.kind) \(Units.isoTime(c.first)) +\(Units.fixed(c.durationSeconds, digits: 3)) s (\(c.packets) packets)"
            }.joined(separator: "; ") + " - durations and rates on one timeline, round trips only within a clock")
        }
        for device in deviceCounters { line("device counters: " + device.summary) }
        line("")

        let showDirection = flows.indices.contains { flows[$0].direction != .unknown }  // not copying each flow
        var columns: [(String, TextTable.Alignment)] = [("QPN", .left), ("SOURCE", .left), ("DESTINATION", .left)]
        if showDirection { columns.append(("DIR", .left)) }
        if owners != nil { columns.append(("PROCESS", .left)) }
        let counters = FlowMetric.all.filter { $0.textColumn != nil }
        columns.append(("TRANSPORT", .left))
        columns += counters.map { ($0.textColumn!, .right) }
        columns += [("RTT p50", .right), ("OPCODES", .left)]
        var qpTable = TextTable(columns)
        qpTable.reserveCapacity(rows: flows.count)
        // A row for each flow, written cell by cell into the table.
        func addRow(_ f: FlowStats) {
            qpTable.cell(Units.hex(f.key.qpn, width: 6))
            qpTable.cell(f.key.source.description)
            qpTable.cell(f.key.destination.description)
            if showDirection { qpTable.cell(f.direction.jsonName?.uppercased() ?? "-") }
            if let owners { qpTable.cell(owners[f.key]?.label ?? "?") }
            qpTable.cell(f.transport.name)
            for counter in counters {
                if counter.measured(f) { qpTable.cell(counter.value(f)) } else { qpTable.cell("-") }
            }
            qpTable.cell(f.roundTripsMeasured ? f.rtt.percentile(50).map { "\($0) us" } ?? "-" : "-")
            // Sampled, the kinds of opcode stand in: the kernel counts them exactly.
            var opcodes = ""
            if f.sampled {
                opcodes = f.counts.busiestClasses.map { "\($0.name) \($0.packets)" }.joined(separator: ", ")
            } else {
                var shown = 0
                f.opcodes.forEachBusiestFirst { opcode, count in
                    guard shown < maxOpcodesPerQP else { return }
                    shown += 1
                    if !opcodes.isEmpty { opcodes += ", " }
                    opcodes += Snapshot.shortNames[Int(opcode)]
                    opcodes += " "
                    opcodes += String(count)
                }
                if f.opcodes.count > maxOpcodesPerQP { opcodes += ", +\(f.opcodes.count - maxOpcodesPerQP)" }
            }
            qpTable.cell(opcodes)
            qpTable.endRow()
        }
        for i in flows.indices { addRow(flows[i]) }
        qpTable.write(to: sink)
        line("")

        var opTable = TextTable([("OPCODE", .right), ("NAME", .left), ("PACKETS", .right), ("BYTES", .right)])
        for op in opcodes {
            opTable.add([Units.hex(op.opcode, width: 2), op.name, String(op.packets), String(op.bytes)])
        }
        opTable.write(to: sink)

        if !malformed.isEmpty {
            line("")
            var malTable = TextTable([("MALFORMED", .right), ("FIRST FRAME", .right), ("PROBLEM", .left)])
            for m in malformed { malTable.add([String(m.count), String(m.firstFrame), m.detail]) }
            malTable.write(to: sink)
        }
    }

    /// Every opcode's name without its transport prefix ("RDMA_WRITE_FIRST"), by opcode.
    static let shortNames: [String] = (0...255).map { opcode in
        let name = OpcodeTable[UInt8(opcode)].name
        for t in Transport.allCases where t != .cnp && name.hasPrefix(t.name + "_") {
            return String(name.dropFirst(t.name.count + 1))
        }
        return name
    }
}
