/// The glyphs the view draws: Unicode when the locale's character set is UTF-8, ASCII
/// otherwise.
public struct Symbols: Sendable, Equatable {
    /// Marks the sorted column's header.
    public var descending: String
    public var ascending: String
    /// Sparkline levels, lowest first (a zero sample is drawn as a space).
    public var sparkline: [Character]
    /// Ends a cut-off cell.
    public var ellipsis: String
    /// The names of keys in the footer and the help.
    public var enterKey: String
    public var upDownKeys: String
    /// A histogram bar's cell.
    public var bar: Character
    /// Separates parts of the header.
    public var separator: String

    public static let unicode = Symbols(descending: "▼", ascending: "▲", sparkline: Array("▁▂▃▄▅▆▇█"), ellipsis: "…",
                                        enterKey: "⏎", upDownKeys: "↑↓", bar: "█", separator: " │ ")
    public static let ascii = Symbols(descending: "v", ascending: "^", sparkline: Array("_.-=+*#@"), ellipsis: "~",
                                      enterKey: "Enter", upDownKeys: "Up/Dn", bar: "#", separator: " | ")
}
