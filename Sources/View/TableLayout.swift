/// The columns of a table that fit a width: kept by priority, shown in display order, one
/// space apart; the flexible column (if kept) takes the width left over.
public struct TableLayout<Column: Hashable>: Equatable {
    /// A column that may be shown.
    public struct Candidate {
        public var column: Column
        public var width: Int
        /// Lower is kept first.
        public var priority: Int
        /// Whether it grows to fill the line.
        public var flexible: Bool
        public init(_ column: Column, width: Int, priority: Int, flexible: Bool = false) {
            self.column = column
            self.width = width
            self.priority = priority
            self.flexible = flexible
        }
    }

    /// The columns shown, in display order, with their widths.
    public private(set) var columns: [Column] = []
    public private(set) var widths: [Column: Int] = [:]
    /// Columns between two shown columns.
    public let gap: Int

    /// Fits `candidates` (in display order) into `width` columns.
    public init(_ candidates: [Candidate], width: Int, gap: Int = 1) {
        self.gap = gap
        var kept = Set<Int>()
        var used = 0
        for (i, c) in candidates.enumerated().sorted(by: { $0.element.priority < $1.element.priority }) {
            let need = c.width + (kept.isEmpty ? 0 : gap)
            if used + need <= width {
                kept.insert(i)
                used += need
            } else if kept.isEmpty {
                // Not even the first column fits: show it cut.
                kept.insert(i)
                used = width
                widths[c.column] = max(1, width)
            }
        }
        for (i, c) in candidates.enumerated() where kept.contains(i) {
            columns.append(c.column)
            if widths[c.column] == nil { widths[c.column] = c.width }
        }
        if let flexible = candidates.enumerated().first(where: { kept.contains($0.offset) && $0.element.flexible }) {
            widths[flexible.element.column, default: 0] += max(0, width - used)
        }
    }

    /// The width of every column and gap together.
    public var totalWidth: Int {
        columns.reduce(0) { $0 + (widths[$1] ?? 0) } + max(0, columns.count - 1) * gap
    }

    /// Whether a column is shown.
    public func contains(_ column: Column) -> Bool { widths[column] != nil }
}
