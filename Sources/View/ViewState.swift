import Stats

/// Which table has the keys.
public enum TablePanel: Sendable, Equatable {
    case qps
    case opcodes
}

/// What fills the screen between the header and the footer.
public enum ViewMode: Sendable, Equatable {
    /// The QP table and the opcode table.
    case tables
    /// Everything about the selected QP.
    case detail
    /// The keys and the filter syntax.
    case help
}

/// A line being typed in the footer.
public enum PromptKind: Sendable, Equatable {
    /// `/`: the filter.
    case filter
    /// `d`: the delay between refreshes, seconds.
    case delay
}

/// The column a table is sorted by, and the direction.
public struct SortOrder<Column: Equatable & Sendable>: Equatable, Sendable {
    public var column: Column
    public var descending: Bool
    public init(_ column: Column, descending: Bool) {
        self.column = column
        self.descending = descending
    }
}

/// A line for the status bar until the next key.
public struct StatusMessage: Equatable, Sendable {
    public var text: String
    public var isError: Bool
    public init(_ text: String, isError: Bool = false) {
        self.text = text
        self.isError = isError
    }
}

/// Everything the keys change: no terminal, no engine; `ViewModel.handle` moves it.
public struct ViewState: Equatable, Sendable {
    public var mode: ViewMode = .tables
    /// The mode `?` came from.
    public var modeBeforeHelp: ViewMode = .tables
    public var focus: TablePanel = .qps
    public var qpSort = SortOrder(QPColumn.packetRate, descending: true)
    public var opcodeSort = SortOrder(OpcodeColumn.packetRate, descending: true)
    public var filter = ViewFilter()
    /// Whether the display is frozen (and a file replay stopped).
    public var paused = false
    /// Seconds between refreshes.
    public var delay: Double = 1
    /// The prompt open in the footer, and what has been typed.
    public var prompt: PromptKind?
    public var promptText = ""
    public var message: StatusMessage?
    /// The selected QP row, by flow (the selection follows it as the order changes).
    public var selectedFlow: FlowKey?
    /// The selected opcode row.
    public var selectedOpcode: UInt8?
    /// First row shown of each table, and of the detail view.
    public var qpScroll = 0
    public var opcodeScroll = 0
    public var detailScroll = 0
    /// Set by `q`.
    public var quitting = false

    public init() {}

    /// The shortest and longest delays `d` accepts, seconds.
    public static let delayRange = 0.1...3600.0
}

/// What the run loop must do after a key.
public enum ViewEffect: Sendable, Equatable {
    case none
    /// Leave the view.
    case quit
    /// Pause or resume (the feed too, when it pauses with the view).
    case pause(Bool)
    /// The delay between refreshes changed.
    case delay(Double)
}
