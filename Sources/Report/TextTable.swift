/// A plain-text table with aligned columns. Rows are kept as their cells' UTF-8 bytes in
/// one buffer, not as strings: a table of 100,000 QPs held 100,000 arrays of 20 strings
/// before its first line was written.
public struct TextTable {
    public enum Alignment { case left, right }

    public let headers: [String]
    public let alignments: [Alignment]
    /// Every cell's text, row after row.
    private var text: [UInt8] = []
    /// Where each cell's text ends, from its row's start in `text`, and its width in
    /// characters.
    private var cells: [(end: UInt32, characters: UInt32)] = []
    /// Where each row's text starts in `text`, and where its cells end in `cells`.
    private var rows: [(textStart: Int, cellsEnd: Int)] = []
    private var widths: [Int]

    public init(_ columns: [(String, Alignment)]) {
        headers = columns.map(\.0)
        alignments = columns.map(\.1)
        widths = headers.map(\.count)
    }

    /// Rows added.
    public var rowCount: Int { rows.count }

    public mutating func add(_ row: [String]) {
        let start = text.count
        for (i, cell) in row.enumerated() where i < widths.count {
            var cell = cell
            cell.withUTF8 { text.append(contentsOf: $0) }
            let characters = cell.count
            widths[i] = max(widths[i], characters)
            cells.append((UInt32(clamping: text.count - start), UInt32(clamping: characters)))
        }
        rows.append((start, cells.count))
    }

    /// The table's lines, each with its newline, handed to `sink` one at a time: columns
    /// separated by two spaces, the last column not padded.
    public func write(to sink: (UnsafeRawBufferPointer) -> Void) {
        var line: [UInt8] = []
        appendLine(headers.count, to: &line, characters: { headers[$0].count }) { i, line in
            line.append(contentsOf: headers[i].utf8)
        }
        line.withUnsafeBytes(sink)
        var first = 0
        for (start, end) in rows {
            let row = first..<end
            line.removeAll(keepingCapacity: true)
            appendLine(row.count, to: &line, characters: { Int(cells[row.lowerBound + $0].characters) }) { i, line in
                let c = row.lowerBound + i
                let from = start + (i == 0 ? 0 : Int(cells[c - 1].end))
                line.append(contentsOf: text[from..<(start + Int(cells[c].end))])
            }
            line.withUnsafeBytes(sink)
            first = end
        }
    }

    /// One line of `count` cells and its newline: `characters(i)` is cell i's width,
    /// `bytes(i, &line)` appends its text.
    private func appendLine(_ count: Int, to line: inout [UInt8], characters: (Int) -> Int,
                            bytes: (Int, inout [UInt8]) -> Void) {
        for i in 0..<min(count, widths.count) {
            let pad = widths[i] - characters(i)
            if i > 0 { line.append(contentsOf: [0x20, 0x20]) }
            if alignments[i] == .right { line.append(contentsOf: repeatElement(0x20, count: pad)) }
            bytes(i, &line)
            if alignments[i] == .left && i != count - 1 { line.append(contentsOf: repeatElement(0x20, count: pad)) }
        }
        line.append(0x0A)
    }
}
