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
        for text in [
            "PKT/S BYTES/S MSG/S rates over the last interval; LOST RETX MISS: see below;",
            "NAK NAKs, RNR RNR NAKs, CNP congestion notifications, CE ECN marks the flow carried;",
            "RTT50 median request-to-ACK time of the flow's requests (from the capture point).",
        ] {
            lines.append(StyledLine("  " + text))
        }
        lines.append(StyledLine())
        lines.append(StyledLine("PSN analysis (docs/analysis.md)", .section))
        for c in AnalysisCounter.all {
            var line = StyledLine("  " + Format.fit(c.title, 18), .key)
            line.append(" " + c.definition)
            lines.append(line)
        }
        return Array(lines.prefix(height))
    }
}
