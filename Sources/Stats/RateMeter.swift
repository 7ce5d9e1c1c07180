#if canImport(Glibc)
import Glibc
#endif

/// Rates of one counter: over the last interval, smoothed, and a minute of history.
public struct RateMeter: Sendable {
    /// Per-second rate over the last interval.
    public private(set) var last: Double = 0
    /// Exponentially smoothed rate (time constant `RateMeter.timeConstant`).
    public private(set) var smoothed: Double = 0
    /// One sample per tick, oldest first, at most `historyLength`.
    public private(set) var history: [Double] = []
    private var previousCount: UInt64 = 0
    private var primed = false

    /// The smoothing time constant, seconds.
    public static let timeConstant = 10.0
    /// Samples kept for sparklines (a minute at one tick per second).
    public static let historyLength = 60

    public init() {}

    /// Updates the rates from a running `count` after `seconds` of time.
    public mutating func tick(count: UInt64, seconds: Double) {
        guard seconds > 0 else { return }
        let rate = Double(count &- previousCount) / seconds
        previousCount = count
        last = rate
        if primed {
            let alpha = 1 - exp(-seconds / RateMeter.timeConstant)
            smoothed += alpha * (rate - smoothed)
        } else {
            smoothed = rate
            primed = true
        }
        history.append(rate)
        if history.count > RateMeter.historyLength { history.removeFirst(history.count - RateMeter.historyLength) }
    }
}
