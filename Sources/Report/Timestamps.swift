#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Timestamp rendering.
public enum Timestamps {
    /// "2026-11-24 12:34:56.123456789" (UTC).
    public static func utc(_ nanoseconds: Int64) -> String {
        var seconds = time_t(nanoseconds / 1_000_000_000)
        var frac = nanoseconds % 1_000_000_000
        if frac < 0 {
            frac += 1_000_000_000
            seconds -= 1
        }
        var tm = tm()
        gmtime_r(&seconds, &tm)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var f = String(frac)
        while f.count < 9 { f = "0" + f }
        return "\(tm.tm_year + 1900)-\(two(tm.tm_mon + 1))-\(two(tm.tm_mday)) "
            + "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)).\(f)"
    }

    /// Seconds since the epoch with nine fraction digits, as a JSON number ("1700000000.000000001").
    public static func epoch(_ nanoseconds: Int64) -> String {
        let negative = nanoseconds < 0
        let magnitude = nanoseconds.magnitude
        var f = String(magnitude % 1_000_000_000)
        while f.count < 9 { f = "0" + f }
        return (negative ? "-" : "") + String(magnitude / 1_000_000_000) + "." + f
    }
}

/// The two clocks rdmatop reads, in nanoseconds.
public enum SystemClock {
    /// CLOCK_MONOTONIC: intervals, deadlines.
    public static func monotonic() -> Int64 { read(CLOCK_MONOTONIC) }
    /// CLOCK_REALTIME: wall-clock time, the clock of packet timestamps.
    public static func realtime() -> Int64 { read(CLOCK_REALTIME) }

    private static func read(_ clock: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
