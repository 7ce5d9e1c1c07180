/// How a piece of the screen looks; the terminal maps each style to colors, or to bold and
/// reverse video in monochrome.
public enum Style: Int32, CaseIterable, Sendable {
    case normal = 0
    /// The program's name and the source in the header.
    case title
    /// Values in the header.
    case emphasis
    /// A table's column headers.
    case columnHeader
    /// The sorted column's header.
    case sortedColumn
    /// The column headers of the table without the keys.
    case inactiveHeader
    /// The selected row.
    case selected
    /// A counter that signals trouble (gaps, retransmissions, NAKs, ICRC errors).
    case alert
    /// Secondary text.
    case dim
    /// A key's name in the footer.
    case key
    /// What the key does, in the footer.
    case keyLabel
    /// A notice in the status line.
    case message
    /// An error in the status line.
    case error
    /// The prompt line.
    case prompt
    /// A sparkline or histogram bar.
    case chart
    /// A panel's title (detail sections, help).
    case section
    /// "PAUSED", "end of file".
    case badge
}

/// A run of text in one style.
public struct Segment: Equatable, Sendable {
    public var text: String
    public var style: Style
    public init(_ text: String, _ style: Style = .normal) {
        self.text = text
        self.style = style
    }
}

/// One line of the screen: styled segments, one column per character.
public struct StyledLine: Equatable, Sendable {
    public var segments: [Segment] = []

    public init(_ segments: [Segment] = []) { self.segments = segments }
    public init(_ text: String, _ style: Style = .normal) { segments = [Segment(text, style)] }

    /// The plain text.
    public var text: String { segments.map(\.text).joined() }
    /// Its width in columns.
    public var width: Int { segments.reduce(0) { $0 + $1.text.count } }

    public mutating func append(_ text: String, _ style: Style = .normal) {
        guard !text.isEmpty else { return }
        if let last = segments.last, last.style == style {
            segments[segments.count - 1].text += text
        } else {
            segments.append(Segment(text, style))
        }
    }

    /// The line cut to `width` columns.
    public func truncated(to width: Int) -> StyledLine {
        // No more bytes than columns is no more characters either: nothing to cut, and no
        // character counted (every line of every frame comes through here).
        if segments.reduce(0, { $0 + $1.text.utf8.count }) <= width { return self }
        var out = StyledLine()
        var room = width
        for s in segments where room > 0 {
            let n = s.text.count
            if n <= room {
                out.segments.append(s)
                room -= n
            } else {
                out.segments.append(Segment(String(s.text.prefix(room)), s.style))
                room = 0
            }
        }
        return out
    }

    /// The line cut or padded with spaces in `style` to exactly `width` columns (for bars).
    public func filled(to width: Int, _ style: Style) -> StyledLine {
        var out = truncated(to: width)
        let w = out.width
        if w < width { out.append(Format.spaces(width - w), style) }
        return out
    }
}
