import CCurses

/// How each style looks: colors with attributes on a color terminal; in monochrome (no
/// colors, or `NO_COLOR` set) bold and reverse video only.
public enum Palette {
    /// (foreground, background, attributes with colors, attributes in monochrome).
    public struct Look: Equatable, Sendable {
        public var foreground: Int32
        public var background: Int32
        public var colorAttributes: Int32
        public var monoAttributes: Int32
    }

    public static func look(_ style: Style) -> Look {
        let bold = CC_ATTR_BOLD, reverse = CC_ATTR_REVERSE, none: Int32 = 0
        let d = CC_COLOR_DEFAULT
        switch style {
        case .normal: return Look(foreground: d, background: d, colorAttributes: none, monoAttributes: none)
        case .title: return Look(foreground: CC_COLOR_CYAN, background: d, colorAttributes: bold, monoAttributes: bold)
        case .emphasis: return Look(foreground: d, background: d, colorAttributes: bold, monoAttributes: bold)
        case .columnHeader:
            return Look(foreground: CC_COLOR_BLACK, background: CC_COLOR_GREEN, colorAttributes: none, monoAttributes: reverse)
        case .sortedColumn:
            return Look(foreground: CC_COLOR_BLACK, background: CC_COLOR_CYAN, colorAttributes: bold,
                        monoAttributes: reverse | bold)
        case .inactiveHeader: return Look(foreground: d, background: d, colorAttributes: bold | reverse, monoAttributes: bold)
        case .selected:
            return Look(foreground: CC_COLOR_BLACK, background: CC_COLOR_CYAN, colorAttributes: none, monoAttributes: reverse)
        case .alert: return Look(foreground: CC_COLOR_RED, background: d, colorAttributes: bold, monoAttributes: bold)
        case .dim: return Look(foreground: CC_COLOR_BLUE, background: d, colorAttributes: bold, monoAttributes: none)
        case .key: return Look(foreground: CC_COLOR_BLACK, background: CC_COLOR_CYAN, colorAttributes: none, monoAttributes: reverse)
        case .keyLabel: return Look(foreground: d, background: d, colorAttributes: none, monoAttributes: none)
        case .message: return Look(foreground: CC_COLOR_GREEN, background: d, colorAttributes: bold, monoAttributes: bold)
        case .error:
            return Look(foreground: CC_COLOR_WHITE, background: CC_COLOR_RED, colorAttributes: bold, monoAttributes: reverse | bold)
        case .prompt: return Look(foreground: CC_COLOR_YELLOW, background: d, colorAttributes: bold, monoAttributes: bold)
        case .chart: return Look(foreground: CC_COLOR_GREEN, background: d, colorAttributes: none, monoAttributes: none)
        case .section: return Look(foreground: CC_COLOR_CYAN, background: d, colorAttributes: bold, monoAttributes: bold)
        case .badge:
            return Look(foreground: CC_COLOR_BLACK, background: CC_COLOR_YELLOW, colorAttributes: bold, monoAttributes: reverse)
        }
    }

    /// Defines every style in the terminal (after `cc_start`).
    static func install() {
        for style in Style.allCases where style != .normal {
            let l = look(style)
            cc_define_style(style.rawValue, l.foreground, l.background, l.colorAttributes, l.monoAttributes)
        }
    }
}
