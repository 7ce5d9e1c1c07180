extension ViewModel {
    /// The opcode table's columns for `width`.
    public func opcodeLayout(width: Int) -> TableLayout<OpcodeColumn> {
        let candidates = OpcodeColumn.allCases.map {
            TableLayout.Candidate($0, width: $0.width, priority: $0.priority, flexible: $0 == .name)
        }
        return TableLayout(candidates, width: width)
    }

    /// The opcode table (every flow's packets by opcode, filtered by the filter's opcodes).
    mutating func opcodeTable(width: Int, height: Int, focused: Bool) -> [StyledLine] {
        guard height > 0 else { return [] }
        let layout = opcodeLayout(width: width)
        var lines = [header(layout, width: width, focused: focused, sorted: state.opcodeSort.column,
                            descending: state.opcodeSort.descending, title: \.title, right: \.alignsRight)]
        let visible = height - 1
        if focused { pageSize = max(1, visible) }
        if opcodeRows.isEmpty {
            if visible > 0 { lines.append(StyledLine("  no opcodes" + (state.filter.isEmpty ? " yet" : " match the filter"), .dim)) }
            return lines
        }
        let total = opcodeRows.reduce(0) { $0 + $1.packets }
        state.opcodeScroll = ViewModel.window(scroll: state.opcodeScroll, selected: selectedOpcodeRow,
                                              count: opcodeRows.count, height: visible)
        let end = min(opcodeRows.count, state.opcodeScroll + visible)
        for r in state.opcodeScroll..<end {
            let row = opcodeRows[r]
            let selected = focused && r == selectedOpcodeRow
            var line = StyledLine()
            for (i, column) in layout.columns.enumerated() {
                if i > 0 { line.append(" ", selected ? .selected : .normal) }
                let w = layout.widths[column] ?? 0
                line.append(Format.fit(column.cell(row, total: total), w, right: column.alignsRight, ellipsis: symbols.ellipsis),
                            selected ? .selected : .normal)
            }
            lines.append(selected ? line.filled(to: width, .selected) : line)
        }
        return lines
    }
}
