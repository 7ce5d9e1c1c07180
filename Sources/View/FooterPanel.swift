extension ViewModel {
    /// The keys of the current mode, most useful first: (key, what it does).
    func footerKeys() -> [(String, String)] {
        if state.prompt != nil { return [(symbols.enterKey, "Apply"), ("Esc", "Cancel"), ("Bksp", "Erase")] }
        switch state.mode {
        case .help:
            return [("q", "Back"), ("Esc", "Back"), ("?", "Back")]
        case .detail:
            return [("q", "Back"), (symbols.upDownKeys, "Scroll"), ("p", "Pause"), ("d", "Delay"), ("/", "Filter"),
                    ("?", "Help")]
        case .tables:
            return [("q", "Quit"), (symbols.upDownKeys, "Select"), (symbols.enterKey, "Detail"), ("Tab", "Table"),
                    ("s<>", "Sort"), ("/", "Filter"), ("p", "Pause"), ("?", "Help"), ("d", "Delay"), ("c", "Clear"),
                    ("r", "Reverse")]
        }
    }

    /// The footer: a status line when there is a prompt or a message, then the keys.
    func footerLines(width: Int) -> [StyledLine] {
        var lines: [StyledLine] = []
        if let prompt = state.prompt {
            let label = switch prompt {
            case .filter: state.filter.isEmpty ? "Filter (QPN, address, opcode): " : "Filter (now \(state.filter.text)): "
            case .delay: "Delay in seconds (now \(Format.seconds(state.delay))): "
            }
            var line = StyledLine(label, .prompt)
            line.append(state.promptText + "_", .prompt)
            if let m = state.message {
                line.append("  ")
                line.append(m.text, m.isError ? .error : .message)
            }
            lines.append(line.filled(to: width, .prompt))
        } else if let m = state.message {
            lines.append(StyledLine(m.text, m.isError ? .error : .message).filled(to: width, m.isError ? .error : .message))
        }
        var keys = StyledLine()
        for (key, label) in footerKeys() {
            let item = key.count + 1 + label.count + 1
            if keys.width + item > width { continue }
            keys.append(key, .key)
            keys.append(" " + label + " ", .keyLabel)
        }
        lines.append(keys.filled(to: width, .keyLabel))
        return lines
    }
}
