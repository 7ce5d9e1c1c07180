import CCurses
#if canImport(Glibc)
import Glibc
#endif

/// The terminal while the view owns it: ncursesw on standard output, keys from /dev/tty.
/// `stop()` gives it back; it runs at exit as well, so no path leaves the terminal raw.
public final class Terminal {
    /// Whether styles use colors (else bold and reverse only).
    public let colors: Bool
    /// The glyphs the terminal can show.
    public let symbols: Symbols

    /// A terminal the view cannot use.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String {
            let term = getenv("TERM").map { String(cString: $0) } ?? ""
            return "cannot use the terminal" + (term.isEmpty ? " (TERM is not set)" : " (TERM=\(term))")
                + "; --once prints a snapshot instead"
        }
    }

    /// Takes over the terminal. Colors unless `NO_COLOR` is set (to anything) or `monochrome`.
    public init(monochrome: Bool = false) throws(Unavailable) {
        let noColor = getenv("NO_COLOR").map { String(cString: $0).isEmpty == false } ?? false
        guard cc_start(monochrome || noColor ? 0 : 1) == 0 else { throw Unavailable() }
        colors = cc_colors() != 0
        symbols = cc_unicode() != 0 ? .unicode : .ascii
        Palette.install()
    }

    deinit { stop() }

    /// Restores the terminal. Safe to call more than once.
    public func stop() { cc_stop() }

    /// Rows and columns.
    public var size: (width: Int, height: Int) { (Int(cc_cols()), Int(cc_rows())) }

    /// The next key, or nil when none is waiting.
    public func readKey() -> Key? {
        let code = cc_read_key()
        switch code {
        case CC_KEY_NONE: return nil
        case CC_KEY_UP: return .up
        case CC_KEY_DOWN: return .down
        case CC_KEY_LEFT: return .left
        case CC_KEY_RIGHT: return .right
        case CC_KEY_PAGE_UP: return .pageUp
        case CC_KEY_PAGE_DOWN: return .pageDown
        case CC_KEY_HOME: return .home
        case CC_KEY_END: return .end
        case CC_KEY_ENTER: return .enter
        case CC_KEY_BACKSPACE: return .backspace
        case CC_KEY_DELETE: return .delete
        case CC_KEY_BACK_TAB: return .backTab
        case CC_KEY_RESIZE: return .resize
        case 9: return .tab
        case 27: return .escape
        case 32...126: return .character(Character(Unicode.Scalar(UInt8(code))))
        default: return .other
        }
    }

    /// Waits up to `milliseconds` for a key (a signal ends the wait early).
    public func waitForInput(milliseconds: Int) {
        _ = cc_wait_input(Int32(max(0, min(milliseconds, 1000))))
    }

    /// Draws `lines` from the top (the rest of the screen blank) and shows them. Only the
    /// changes reach the terminal: erase() clears ncurses' buffer, not the screen.
    public func draw(_ lines: [StyledLine]) {
        cc_erase()
        for (row, line) in lines.enumerated() {
            var col = 0
            for segment in line.segments {
                cc_draw(Int32(row), Int32(col), segment.text, segment.style.rawValue)
                col += segment.text.count
            }
        }
        cc_refresh()
    }
}
