/// A key the view reacts to, decoded from the terminal.
public enum Key: Equatable, Sendable {
    case character(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete
    /// The terminal changed size.
    case resize
    /// Something the view has no use for (a function key, a control character).
    case other
}

extension Key {
    /// Keys for the characters of `text` (for tests and scripted input).
    public static func typing(_ text: String) -> [Key] {
        text.map { c in
            switch c {
            case "\n", "\r": .enter
            case "\t": .tab
            case "\u{1B}": .escape
            default: .character(c)
            }
        }
    }
}
