import Report
extension ViewModel {
    /// The help: keys, the filter syntax, what the columns mean.
    func helpLines(width: Int, height: Int) -> [StyledLine] {
        let keys: [(String, String)] = [
            ("q", "quit (in the detail view or the help: back)"),
            ("\(symbols.upDownKeys) j k", "select a row (PgUp PgDn Home End g G)"),
            (symbols.enterKey, "detail of the selected QP; on an opcode row: the QPs that carry it"),
            ("Esc", "back from the detail view, cancel a prompt"),
            ("Tab", "switch between the QP table and the opcode table"),
            ("s >", "sort by the next column"),
            ("<", "sort by the previous column"),
            ("r", "reverse the order"),
            ("/", "filter: QPN (17, 0x11), address (10.0.0.2), opcode (RC_RDMA_WRITE_FIRST, write,"),
            ("", "  read, send, atomic, ack, nak, rnr, cnp, ce, rc, ud, ...); qpn: addr: op: tags"),
            ("", "  say which (op:0x11 is opcode 0x11); several terms must all match"),
            ("c", "clear the filter"),
            ("p space", "pause (a replayed file stops; live packets are still counted)"),
            ("d", "delay between refreshes, seconds"),
            ("?", "this help"),
        ]
        var lines = [StyledLine("Keys", .section)]
        for (k, text) in keys {
            var line = StyledLine("  " + Format.fit(k, 10), .key)
            line.append(" " + text)
            lines.append(line)
        }
        lines.append(StyledLine())
        lines.append(StyledLine("Columns", .section))
        lines.append(StyledLine("  PKT/S BYTES/S MSG/S rates over the last interval; RTT50 median request-to-ACK time"))
        lines.append(StyledLine("  of the flow's requests (from the capture point). Dim: counted from events of which the"))
        lines.append(StyledLine("  ring buffer lost some of the flow's (lost events, in its detail). The counters (docs/analysis.md):"))
        for c in FlowMetric.all where c.column != nil || c.group == .psns {
            var line = StyledLine("  " + Format.fit(c.column?.title ?? c.title, 18), .key)
            line.append(" " + c.help)
            lines.append(line)
        }
        return Array(lines.prefix(height))
    }
}
