extension ViewModel {
    /// The QP table's columns for `width`.
    public func qpLayout(width: Int) -> TableLayout<QPColumn> {
        let addressWidth = max(7, min(39, data.addressWidth))
        let candidates = QPColumn.allCases.filter { $0 != .process || data.owners != nil }.map {
            TableLayout.Candidate($0, width: $0.width(addressWidth: addressWidth), priority: $0.priority,
                                  flexible: $0 == .opcodes)
        }
        return TableLayout(candidates, width: width)
    }

    /// The QP table: a header and as many rows as fit, the selection in view.
    mutating func qpTable(width: Int, height: Int, focused: Bool) -> [StyledLine] {
        guard height > 0 else { return [] }
        let layout = qpLayout(width: width)
        var lines = [header(layout, width: width, focused: focused, sorted: state.qpSort.column,
                            descending: state.qpSort.descending, title: \.title, right: \.alignsRight)]
        let visible = height - 1
        if focused { pageSize = max(1, visible) }
        if rows.isEmpty {
            let why = data.flows.isEmpty ? "no RoCEv2 traffic yet" : "no QP matches the filter (\(state.filter)); c clears it"
            if visible > 0 { lines.append(StyledLine("  " + why, .dim)) }
            return lines
        }
        state.qpScroll = ViewModel.window(scroll: state.qpScroll, selected: selectedRow, count: rows.count, height: visible)
        let end = min(rows.count, state.qpScroll + visible)
        for r in state.qpScroll..<end {
            let position = rows[r]
            let flow = data.flows[position]
            let selected = focused && r == selectedRow
            var line = StyledLine()
            for (i, column) in layout.columns.enumerated() {
                if i > 0 { line.append(" ", selected ? .selected : .normal) }
                let w = layout.widths[column] ?? 0
                let text = column.cell(flow, addresses: data.addressText[position], owner: data.owners?[flow.key])
                let style: Style = selected ? .selected : column.shortOfEvents(flow) ? .dim
                    : column.alarms(flow) ? .alert : .normal
                line.append(Format.fit(text, w, right: column.alignsRight, ellipsis: symbols.ellipsis), style)
            }
            lines.append(selected ? line.filled(to: width, .selected) : line)
        }
        return lines
    }

    /// A table's header bar: titles fitted to the columns, the sorted one marked.
    func header<C: Hashable>(_ layout: TableLayout<C>, width: Int, focused: Bool, sorted: C, descending: Bool,
                             title: (C) -> String, right: (C) -> Bool) -> StyledLine {
        let base: Style = focused ? .columnHeader : .inactiveHeader
        var line = StyledLine()
        for (i, column) in layout.columns.enumerated() {
            if i > 0 { line.append(" ", base) }
            let w = layout.widths[column] ?? 0
            let isSorted = column == sorted
            let text = title(column) + (isSorted ? (descending ? symbols.descending : symbols.ascending) : "")
            line.append(Format.fit(text, w, right: right(column)), isSorted && focused ? .sortedColumn : base)
        }
        return line.filled(to: width, base)
    }
}
