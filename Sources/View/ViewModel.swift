import RoCE
import Stats

/// The view without a terminal: the data of the last refresh, the state the keys move, and
/// the rows that follow from both (filtered and sorted once per change, not per frame).
public struct ViewModel {
    public private(set) var data: ViewData
    public var state: ViewState
    /// Positions in `data.flows` of the QP rows shown, in order.
    public private(set) var rows: [Int] = []
    /// The opcode rows shown, in order.
    public private(set) var opcodeRows: [OpcodeRow] = []
    /// Index in `rows` / `opcodeRows` of the selection (0 when empty).
    public private(set) var selectedRow = 0
    public private(set) var selectedOpcodeRow = 0
    /// Rows a page key moves (the table's height at the last render).
    public var pageSize = 10
    /// The glyphs to draw with.
    public var symbols: Symbols

    public init(status: FeedStatus, state: ViewState = ViewState(), symbols: Symbols = .ascii) {
        data = ViewData(status: status)
        self.state = state
        self.symbols = symbols
    }

    /// Takes the engine's new counters (at a tick; the caller skips this while paused).
    public mutating func refresh(_ data: ViewData) {
        self.data = data
        rebuildRows()
    }

    /// Updates only the source's status (the header keeps moving while the rows are paused).
    public mutating func updateStatus(_ status: FeedStatus) {
        data.status = status
    }

    /// The selected flow, if any row is shown.
    public var selectedFlow: FlowStats? {
        guard let key = state.selectedFlow else { return nil }
        return data.flow(key)
    }

    // MARK: - Rows

    /// Filters and sorts both tables again, keeping the selections on their flow and opcode.
    public mutating func rebuildRows() {
        let flows = data.flows
        let filter = state.filter
        var kept = filter.isEmpty ? Array(flows.indices) : flows.indices.filter { filter.matches(flows[$0]) }
        let sort = state.qpSort
        switch sort.column {
        case .source, .destination:
            let source = sort.column == .source
            kept.sort { a, b in
                let x = source ? flows[a].key.source : flows[a].key.destination
                let y = source ? flows[b].key.source : flows[b].key.destination
                if x != y { return sort.descending ? y < x : x < y }
                return flows[a].key < flows[b].key
            }
        default:
            var values = [Double](repeating: 0, count: flows.count)
            for i in kept { values[i] = sort.column.sortValue(flows[i]) }
            kept.sort { a, b in
                if values[a] != values[b] { return sort.descending ? values[a] > values[b] : values[a] < values[b] }
                return flows[a].key < flows[b].key
            }
        }
        rows = kept
        selectedRow = reselect(state.selectedFlow, in: rows.lazy.map { flows[$0].key }, previous: selectedRow)
        state.selectedFlow = rows.isEmpty ? nil : flows[rows[selectedRow]].key

        let osort = state.opcodeSort
        opcodeRows = data.opcodes.filter { filter.matches(opcode: $0.opcode) }.sorted { a, b in
            let x = osort.column.sortValue(a), y = osort.column.sortValue(b)
            if x != y { return osort.descending ? x > y : x < y }
            return a.opcode < b.opcode
        }
        selectedOpcodeRow = reselect(state.selectedOpcode, in: opcodeRows.lazy.map(\.opcode), previous: selectedOpcodeRow)
        state.selectedOpcode = opcodeRows.isEmpty ? nil : opcodeRows[selectedOpcodeRow].opcode
    }

    /// The position of `key` in `keys`, else the previous position kept within the rows.
    private func reselect<C: Collection, K: Equatable>(_ key: K?, in keys: C, previous: Int) -> Int where C.Element == K {
        if let key, let i = keys.firstIndex(of: key) { return keys.distance(from: keys.startIndex, to: i) }
        return max(0, min(previous, keys.count - 1))
    }

    /// Moves the selection of the focused table by `delta` rows (clamped).
    mutating func moveSelection(by delta: Int) {
        switch state.focus {
        case .qps:
            guard !rows.isEmpty else { return }
            selectedRow = max(0, min(rows.count - 1, selectedRow + delta))
            state.selectedFlow = data.flows[rows[selectedRow]].key
        case .opcodes:
            guard !opcodeRows.isEmpty else { return }
            selectedOpcodeRow = max(0, min(opcodeRows.count - 1, selectedOpcodeRow + delta))
            state.selectedOpcode = opcodeRows[selectedOpcodeRow].opcode
        }
    }
}
