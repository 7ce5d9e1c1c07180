/// The whole screen as styled lines: header, body (tables, detail or help), footer.
extension ViewModel {
    /// The smallest terminal the view draws in; below it, a message says so.
    public static let minimumWidth = 40
    public static let minimumHeight = 8

    /// Lines of the header: three, or one on a short terminal.
    static func headerHeight(height: Int) -> Int { height >= 14 ? 3 : 1 }

    /// The screen for a terminal of `width` x `height`: exactly `height` lines, none wider
    /// than `width`. Keeps the scroll positions so the selection stays in view.
    public mutating func render(width: Int, height: Int) -> [StyledLine] {
        guard width > 0, height > 0 else { return [] }
        guard width >= ViewModel.minimumWidth, height >= ViewModel.minimumHeight else {
            return tooSmall(width: width, height: height)
        }
        var lines = headerLines(width: width, count: ViewModel.headerHeight(height: height))
        let footer = footerLines(width: width)
        let bodyHeight = max(0, height - lines.count - footer.count)
        switch state.mode {
        case .tables: lines += tableLines(width: width, height: bodyHeight)
        case .detail: lines += detailWindow(width: width, height: bodyHeight)
        case .help: lines += helpLines(width: width, height: bodyHeight)
        }
        while lines.count < height - footer.count { lines.append(StyledLine()) }
        lines = Array(lines.prefix(height - footer.count)) + footer
        return lines.map { $0.truncated(to: width) }
    }

    /// The body in table mode: both tables when there is room, else the focused one.
    mutating func tableLines(width: Int, height: Int) -> [StyledLine] {
        guard height > 0 else { return [] }
        if height >= 16 {
            let opcodeHeight = min(opcodeRows.count + 1, max(4, height / 3))
            let qpHeight = height - opcodeHeight - 1
            return qpTable(width: width, height: qpHeight, focused: state.focus == .qps) + [StyledLine()]
                + opcodeTable(width: width, height: opcodeHeight, focused: state.focus == .opcodes)
        }
        switch state.focus {
        case .qps: return qpTable(width: width, height: height, focused: true)
        case .opcodes: return opcodeTable(width: width, height: height, focused: true)
        }
    }

    private func tooSmall(width: Int, height: Int) -> [StyledLine] {
        let text = ["terminal too small (\(width)x\(height))",
                    "need \(ViewModel.minimumWidth)x\(ViewModel.minimumHeight)", "q quits"]
        var lines = text.prefix(height).map { StyledLine(Format.fit($0, width), .error) }
        while lines.count < height { lines.append(StyledLine()) }
        return lines.map { $0.truncated(to: width) }
    }

    /// The window `rows` of `height` starting at `scroll`, moved so `selected` is inside.
    static func window(scroll: Int, selected: Int, count: Int, height: Int) -> Int {
        guard height > 0, count > height else { return 0 }
        var s = scroll
        if selected < s { s = selected }
        if selected >= s + height { s = selected - height + 1 }
        return max(0, min(s, count - height))
    }
}
