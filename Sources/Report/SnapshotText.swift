import RoCE

extension Snapshot {
    /// The snapshot as text, in the manner of `top -b`: a summary, the QP table, the opcode
    /// table, and malformed packets when there are any.
    public func renderText(maxOpcodesPerQP: Int = 3) -> String {
        var out: [String] = []
        let origin: String
        switch source.kind {
        case "file": origin = "file \(source.file ?? "?")"
        default: origin = "interface \(source.interface ?? "?") (\(source.mode))"
        }
        out.append("rdmatop: \(origin), \(Units.fixed(durationSeconds, digits: 3)) s"
                   + (filter.map { ", filter: \($0)" } ?? ""))
        var summary = "packets \(totals.packets) (\(Units.bytes(Double(totals.bytes)))), RoCEv2 \(totals.rocePackets)"
        if filter != nil { summary += ", matched \(totals.matched)" }
        summary += ", malformed \(totals.malformed), ICRC errors \(totals.icrcErrors) of \(totals.icrcChecked) checked"
        if source.kind != "file" { summary += ", lost events \(source.lostEvents)" }
        out.append(summary)
        out.append("")

        let showDirection = qps.contains { $0.direction != nil }
        var columns: [(String, TextTable.Alignment)] = [("QPN", .left), ("SOURCE", .left), ("DESTINATION", .left)]
        if showDirection { columns.append(("DIR", .left)) }
        columns += [("TRANSPORT", .left), ("PACKETS", .right), ("BYTES", .right), ("PAYLOAD", .right),
                    ("ICRC ERR", .right), ("OPCODES", .left)]
        var qpTable = TextTable(columns)
        for qp in qps {
            var row = [Units.hex(qp.qpn, width: 6), qp.src, qp.dst]
            if showDirection { row.append(qp.direction?.uppercased() ?? "-") }
            let shown = qp.opcodes.entries.prefix(maxOpcodesPerQP).map { "\(shortName($0.0)) \($0.1)" }
            let more = qp.opcodes.entries.count > maxOpcodesPerQP ? ", +\(qp.opcodes.entries.count - maxOpcodesPerQP)" : ""
            row += [qp.transport, String(qp.packets), String(qp.bytes), String(qp.payloadBytes),
                    String(qp.icrcErrors), shown.joined(separator: ", ") + more]
            qpTable.add(row)
        }
        out += qpTable.render()
        out.append("")

        var opTable = TextTable([("OPCODE", .right), ("NAME", .left), ("PACKETS", .right), ("BYTES", .right)])
        for op in opcodes {
            opTable.add([Units.hex(op.opcode, width: 2), op.name, String(op.packets), String(op.bytes)])
        }
        out += opTable.render()

        if !malformed.isEmpty {
            out.append("")
            var malTable = TextTable([("MALFORMED", .right), ("FIRST FRAME", .right), ("PROBLEM", .left)])
            for m in malformed { malTable.add([String(m.count), String(m.firstFrame), m.detail]) }
            out += malTable.render()
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The opcode name without its transport prefix ("RDMA_WRITE_FIRST").
    func shortName(_ name: String) -> String {
        for t in Transport.allCases where t != .cnp && name.hasPrefix(t.name + "_") {
            return String(name.dropFirst(t.name.count + 1))
        }
        return name
    }
}
