import Report
import RoCE

/// Numbers, times and cells as the view prints them: short enough for narrow columns.
public enum Format {
    /// A per-second rate: "0", "2.5", "37", "12.3k", "4.56M".
    public static func rate(_ value: Double) -> String {
        guard value.isFinite, value > 0 else { return "0" }
        if value < 10 { return Units.fixed(value, digits: 1) }
        return Units.count(value)
    }

    /// A byte rate or size: "512 B", "1.23 KB", "45.6 MB".
    public static func bytes(_ value: Double) -> String {
        guard value.isFinite, value > 0 else { return "0 B" }
        return Units.bytes(value)
    }

    /// A counter: exact below 100000, else "123k", "1.23M".
    public static func count(_ value: UInt64) -> String {
        value < 100_000 ? String(value) : Units.count(Double(value))
    }

    /// Microseconds: "850us", "1.25ms", "12.5ms", "2.50s".
    public static func microseconds(_ value: UInt64) -> String {
        if value < 1000 { return "\(value)us" }
        if value < 1_000_000 { return significant(Double(value) / 1000) + "ms" }
        return significant(Double(value) / 1_000_000) + "s"
    }

    /// Three significant digits (for values from 1 to 999).
    private static func significant(_ v: Double) -> String {
        Units.fixed(v, digits: v < 10 ? 2 : v < 100 ? 1 : 0)
    }

    /// Elapsed time: "4.2s", "12:05", "3:02:09".
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0.0s" }
        if seconds < 60 { return Units.fixed(seconds, digits: 1) + "s" }
        let total = Int(seconds)
        let h = total / 3600, m = (total / 60) % 60, s = total % 60
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return h > 0 ? "\(h):\(two(m)):\(two(s))" : "\(m):\(two(s))"
    }

    /// Seconds of a delay: "1 s", "0.50 s", "2.5 s".
    public static func seconds(_ value: Double) -> String {
        let whole = value.rounded() == value
        return (whole ? Units.fixed(value, digits: 0) : Units.fixed(value, digits: value < 1 ? 2 : 1)) + " s"
    }

    /// A QPN as 0x and six hex digits.
    public static func qpn(_ qpn: UInt32) -> String { Units.hex(qpn, width: 6) }

    /// An opcode's name without its transport ("RDMA_WRITE_FIRST" for RC_RDMA_WRITE_FIRST).
    public static func shortOpcodeName(_ opcode: UInt8) -> String {
        let info = OpcodeTable[opcode]
        let prefix = info.transport.name + "_"
        return info.transport != .cnp && info.name.hasPrefix(prefix) ? String(info.name.dropFirst(prefix.count)) : info.name
    }

    /// `count` spaces, written into the string's storage at once. `String(repeating:count:)`
    /// appends one at a time (a quarter of the view's rendering time, measured with perf on
    /// the fuzzing corpus); the view pads every cell of every row on every refresh.
    public static func spaces(_ count: Int) -> String {
        guard count > 0 else { return "" }
        return String(unsafeUninitializedCapacity: count) { buffer in
            buffer.initialize(repeating: UInt8(ascii: " "))
            return count
        }
    }

    /// `text` padded or cut to exactly `width` characters; a cut ends with `ellipsis`.
    public static func fit(_ text: String, _ width: Int, right: Bool = false, ellipsis: String = "") -> String {
        guard width > 0 else { return "" }
        let n = text.count
        if n == width { return text }
        if n < width {
            let pad = Format.spaces(width - n)
            return right ? pad + text : text + pad
        }
        let e = ellipsis.count < width ? ellipsis : ""
        return String(text.prefix(width - e.count)) + e
    }
}
