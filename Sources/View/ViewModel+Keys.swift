extension ViewModel {
    /// Applies a key (top / htop / iftop conventions) and says what the run loop must do.
    public mutating func handle(_ key: Key) -> ViewEffect {
        if key == .resize { return .none }
        if state.prompt != nil { return handlePrompt(key) }
        state.message = nil
        switch state.mode {
        case .help:
            switch key {
            case .character("?"), .character("h"), .character("q"), .escape, .enter, .backspace:
                state.mode = state.modeBeforeHelp
            default:
                break
            }
            return .none
        case .detail:
            return handleDetail(key)
        case .tables:
            return handleTables(key)
        }
    }

    private mutating func handleGlobal(_ key: Key) -> ViewEffect? {
        switch key {
        case .character("p"), .character(" "):
            state.paused.toggle()
            state.message = StatusMessage(state.paused ? "paused: p or space resumes" : "resumed")
            return .pause(state.paused)
        case .character("d"):
            openPrompt(.delay)
            return ViewEffect.none
        case .character("?"), .character("h"):
            state.modeBeforeHelp = state.mode
            state.mode = .help
            return ViewEffect.none
        case .character("/"):
            openPrompt(.filter)
            return ViewEffect.none
        case .character("c"):
            clearFilter()
            return ViewEffect.none
        default:
            return nil
        }
    }

    private mutating func handleTables(_ key: Key) -> ViewEffect {
        if let effect = handleGlobal(key) { return effect }
        switch key {
        case .character("q"):
            state.quitting = true
            return .quit
        case .up, .character("k"): moveSelection(by: -1)
        case .down, .character("j"): moveSelection(by: 1)
        case .pageUp: moveSelection(by: -max(1, pageSize))
        case .pageDown: moveSelection(by: max(1, pageSize))
        case .home, .character("g"): moveSelection(by: -Int(Int32.max))
        case .end, .character("G"): moveSelection(by: Int(Int32.max))
        case .tab, .backTab:
            state.focus = state.focus == .qps ? .opcodes : .qps
        case .enter, .right:
            switch state.focus {
            case .qps:
                if state.selectedFlow != nil {
                    state.mode = .detail
                    state.detailScroll = 0
                }
            case .opcodes:
                // The QPs that carry the selected opcode.
                if let op = state.selectedOpcode {
                    applyFilter(text: "op:0x" + String(op, radix: 16))
                    state.focus = .qps
                }
            }
        case .character("s"), .character(">"): moveSort(by: 1)
        case .character("<"): moveSort(by: -1)
        case .character("r"), .character("R"), .character("I"):
            switch state.focus {
            case .qps: state.qpSort.descending.toggle()
            case .opcodes: state.opcodeSort.descending.toggle()
            }
            rebuildRows()
        default:
            break
        }
        return .none
    }

    private mutating func handleDetail(_ key: Key) -> ViewEffect {
        switch key {
        case .escape, .enter, .character("q"), .left, .backspace:
            state.mode = .tables
            return .none
        case .character("/"), .character("c"):
            state.mode = .tables
            return handleGlobal(key) ?? .none
        default:
            break
        }
        if let effect = handleGlobal(key) { return effect }
        switch key {
        case .up, .character("k"): state.detailScroll = max(0, state.detailScroll - 1)
        case .down, .character("j"): state.detailScroll += 1
        case .pageUp: state.detailScroll = max(0, state.detailScroll - max(1, pageSize))
        case .pageDown: state.detailScroll += max(1, pageSize)
        case .home, .character("g"): state.detailScroll = 0
        default: break
        }
        return .none
    }

    private mutating func handlePrompt(_ key: Key) -> ViewEffect {
        switch key {
        case .escape:
            state.prompt = nil
            state.message = nil
        case .backspace, .delete:
            if !state.promptText.isEmpty { state.promptText.removeLast() }
        case .character(let c):
            if c.isASCII, !(c.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? true), state.promptText.count < 200 {
                state.promptText.append(c)
            }
        case .enter:
            return submitPrompt()
        default:
            break
        }
        return .none
    }

    /// Opens a prompt, empty: what is typed replaces the filter or the delay.
    private mutating func openPrompt(_ kind: PromptKind) {
        state.prompt = kind
        state.promptText = ""
        state.message = nil
    }

    private mutating func submitPrompt() -> ViewEffect {
        switch state.prompt {
        case .filter:
            if applyFilter(text: state.promptText) { state.prompt = nil }
            return .none
        case .delay:
            let text = state.promptText.trimmingCharacters(in: " ")
            guard let seconds = Double(text), ViewState.delayRange.contains(seconds) else {
                state.message = StatusMessage("delay \(text.isEmpty ? "''" : text): give seconds from 0.1 to 3600",
                                              isError: true)
                return .none
            }
            state.prompt = nil
            state.delay = seconds
            state.message = StatusMessage("refreshing every \(Format.seconds(seconds))")
            return .delay(seconds)
        case nil:
            return .none
        }
    }

    /// Parses and applies a filter; on error leaves the filter alone and says why.
    @discardableResult
    mutating func applyFilter(text: String) -> Bool {
        do {
            state.filter = try ViewFilter.parse(text)
            state.message = state.filter.isEmpty ? nil : StatusMessage("filter: \(state.filter)")
            rebuildRows()
            return true
        } catch {
            state.message = StatusMessage("\(error)", isError: true)
            return false
        }
    }

    private mutating func clearFilter() {
        guard !state.filter.isEmpty else { return }
        state.filter = ViewFilter()
        state.message = StatusMessage("filter cleared")
        rebuildRows()
    }

    /// Moves the focused table's sort column (wrapping), sorting in its natural direction.
    private mutating func moveSort(by delta: Int) {
        switch state.focus {
        case .qps:
            let all = QPColumn.sortable
            let i = all.firstIndex(of: state.qpSort.column) ?? 0
            let next = all[(i + delta + all.count) % all.count]
            state.qpSort = SortOrder(next, descending: next.descendingByDefault)
        case .opcodes:
            let all = OpcodeColumn.allCases.filter(\.isSortable)
            let i = all.firstIndex(of: state.opcodeSort.column) ?? 0
            let next = all[(i + delta + all.count) % all.count]
            state.opcodeSort = SortOrder(next, descending: next.descendingByDefault)
        }
        rebuildRows()
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
