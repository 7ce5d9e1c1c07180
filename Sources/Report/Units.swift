import Foundation
/// Human-readable numbers for the text views.
public enum Units {
    /// "1.2 KB", "3.4 MB" (powers of 1000, like iftop's default), bytes below 1000 as is.
    public static func bytes(_ value: Double) -> String {
        scaled(value, suffixes: ["B", "KB", "MB", "GB", "TB", "PB"])
    }

    /// "12.3k", "4.5M": packet counts and rates.
    public static func count(_ value: Double) -> String {
        let s = scaled(value, suffixes: ["", "k", "M", "G", "T"])
        return s.hasSuffix(" ") ? String(s.dropLast()) : s
    }

    private static func scaled(_ value: Double, suffixes: [String]) -> String {
        var v = value
        var i = 0
        while abs(v) >= 1000, i < suffixes.count - 1 {
            v /= 1000
            i += 1
        }
        if i == 0 { return integer(v.rounded()) + (suffixes[0].isEmpty ? "" : " " + suffixes[0]) }
        return fixed(v, digits: abs(v) < 10 ? 2 : abs(v) < 100 ? 1 : 0) + (suffixes[i].count > 1 ? " " : "") + suffixes[i]
    }

    /// `value` with a fixed number of fraction digits, without Foundation.
    public static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else { return String(value) }
        let n = Int64(scaled)
        let whole = n / Int64(scale)
        var frac = String(n % Int64(scale))
        while frac.count < digits { frac = "0" + frac }
        let sign = value < 0 && n != 0 ? "-" : ""
        return sign + String(whole) + (digits > 0 ? "." + frac : "")
    }

    /// An integer-valued double as digits.
    public static func integer(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 9e18 else { return String(value) }
        return String(Int64(value))
    }

    /// "0x" and `width` hex digits.
    /// A timestamp (nanoseconds since the epoch) as ISO 8601 UTC with microseconds.
    public static func isoTime(_ ns: Int64) -> String {
        var seconds = ns / 1_000_000_000, rest = ns % 1_000_000_000
        if rest < 0 {
            rest += 1_000_000_000
            seconds -= 1
        }
        let micros = rest / 1000
        var t = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil else { return String(ns) }
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(micros))
    }

    /// `v`'s decimal digits, handed to `body` without making a String (the JSON and text
    /// snapshots write millions of numbers).
    static func withDecimalDigits<R>(_ v: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: 20 digits fit
        return withUnsafeMutableBytes(of: &digits) { buffer in
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            return body(UnsafeRawBufferPointer(start: base, count: writeDecimal(v, to: base)))
        }
    }

    /// Writes `v`'s decimal digits at `out`, with zeros before them up to `minimumDigits`;
    /// `out` has room for 20 or `minimumDigits`, whichever is more. Returns how many it wrote.
    @inline(__always)
    static func writeDecimal(_ v: UInt64, minimumDigits: Int = 1, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var digits = 1, rest = v
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        digits = max(digits, minimumDigits)
        var v = v, i = digits
        repeat {
            i -= 1
            out[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
            v /= 10
        } while i > 0
        return digits
    }

    public static func hex<T: BinaryInteger>(_ value: T, width: Int) -> String {
        guard value >= 0, value.bitWidth <= 64 || value <= UInt64.max else {
            var s = String(value, radix: 16)
            while s.count < width { s = "0" + s }
            return "0x" + s
        }
        // Digit by digit into the string's own storage: the text snapshot writes one for
        // every QP.
        let v = UInt64(value)
        let digits = max(width, 1, (67 - v.leadingZeroBitCount) / 4)
        return String(unsafeUninitializedCapacity: digits + 2) { b in
            b[0] = UInt8(ascii: "0")
            b[1] = UInt8(ascii: "x")
            var v = v
            for i in stride(from: digits + 1, through: 2, by: -1) {
                b[i] = Units.hexDigits[Int(v & 15)]
                v >>= 4
            }
            return digits + 2
        }
    }
    private static let hexDigits = Array("0123456789abcdef".utf8)
}
