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
    /// Where the row being made starts in `text`, where its cells start in `cells`, and
    /// where its last cell ends in `text`.
    private var rowStart = 0, rowCells = 0, cellsEnd = 0

    public init(_ columns: [(String, Alignment)]) {
        headers = columns.map(\.0)
        alignments = columns.map(\.1)
        widths = headers.map(\.count)
    }

    /// Rows added.
    public var rowCount: Int { rows.count }

    /// Makes room for `count` rows of about `bytesPerCell` bytes a cell, so that a table of
    /// 10k QPs is not copied each time its buffers double.
    public mutating func reserveCapacity(rows count: Int, bytesPerCell: Int = 8) {
        rows.reserveCapacity(count)
        cells.reserveCapacity(count * widths.count)
        text.reserveCapacity(count * widths.count * bytesPerCell)
    }

    /// Adds a row of cells; cells past the last column are dropped.
    public mutating func add(_ row: [String]) {
        for c in row { cell(c) }
        endRow()
    }

    /// Adds a cell to the row being made (`endRow` ends it).
    public mutating func cell(_ s: String) {
        let characters = s.withUTF8Bytes { cellText($0) }
        endCell(characters: characters >= 0 ? characters : s.count)
    }

    /// Appends a cell's bytes; its width in characters, or -1 when that needs counting.
    private mutating func cellText(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
        text.append(contentsOf: utf8)
        // ASCII (addresses, names, numbers) has a character per byte, but for "\r\n",
        // which is one character.
        return utf8.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "\r") } ? utf8.count : -1
    }

    /// Adds a number in decimal to the row being made.
    public mutating func cell(_ v: UInt64) {
        let count = Units.withDecimalDigits(v) { digits in
            text.append(contentsOf: digits)
            return digits.count
        }
        endCell(characters: count)
    }

    private mutating func endCell(characters: Int) {
        guard cells.count - rowCells < widths.count else {
            text.removeLast(text.count - cellsEnd)  // past the last column
            return
        }
        let column = cells.count - rowCells
        widths[column] = max(widths[column], characters)
        cells.append((UInt32(clamping: text.count - rowStart), UInt32(clamping: characters)))
        cellsEnd = text.count
    }

    /// Ends the row being made.
    public mutating func endRow() {
        rows.append((rowStart, cells.count))
        rowStart = text.count
        rowCells = cells.count
        cellsEnd = text.count
    }

    /// The table's lines, each with its newline, handed to `sink` one at a time: columns
    /// separated by two spaces, the last column not padded.
    public func write(to sink: (UnsafeRawBufferPointer) -> Void) {
        let line = ByteBuffer(capacity: 256)
        appendLine(headers.count, to: line, characters: { headers[$0].count }) { i, line in
            var header = headers[i]
            header.withUTF8 { line.append($0) }
        }
        sink(line.bytes)
        var first = 0
        text.withUnsafeBytes { text in
            for (start, end) in rows {
                let row = first..<end
                line.removeAll()
                appendLine(row.count, to: line, characters: { Int(cells[row.lowerBound + $0].characters) }) { i, line in
                    let c = row.lowerBound + i
                    let from = start + (i == 0 ? 0 : Int(cells[c - 1].end))
                    line.append(UnsafeRawBufferPointer(rebasing: text[from..<(start + Int(cells[c].end))]))
                }
                sink(line.bytes)
                first = end
            }
        }
    }

    /// One line of `count` cells and its newline: `characters(i)` is cell i's width,
    /// `bytes(i, line)` appends its text. The spaces between two cells' texts (a left cell's
    /// padding, the gap, a right cell's padding) are written in one piece. Inlined, so that
    /// the two closures are too: 200,000 cells for 10k QPs.
    @inline(__always)
    private func appendLine(_ count: Int, to line: ByteBuffer, characters: (Int) -> Int,
                            bytes: (Int, ByteBuffer) -> Void) {
        var spaces = 0
        for i in 0..<min(count, widths.count) {
            let pad = widths[i] - characters(i)
            if i > 0 { spaces += 2 }
            if alignments[i] == .right { spaces += pad }
            line.append(repeating: 0x20, count: spaces)
            bytes(i, line)
            spaces = alignments[i] == .left ? pad : 0
        }
        line.append(0x0A)  // the last cell not padded
    }
}
