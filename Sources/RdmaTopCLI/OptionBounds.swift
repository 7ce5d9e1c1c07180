import ArgumentParser

/// The range of every numeric option, in one place: `validate()` checks each value against
/// it before anything is opened or attached, and the error names the range (exit 64).
enum OptionBounds {
    /// `-s`: bytes of each packet captured (0: up to 4096).
    static let snapLength = 0...4096
    /// The fewest bytes a non-zero `-s` may be: every RoCE header.
    static let minimumHeaders = 96
    /// `--buffer-size`, MiB (a power of two).
    static let bufferMiB = 1...1024
    /// `--max-flows`.
    static let maxFlows = 1...10_000_000
    /// `--metrics-qps`: per-QP Prometheus series (each about 30 lines of exposition).
    static let metricsQPs = 1...100_000
    /// `--count`: snapshots (0: no limit).
    static let count = 0...1_000_000_000
    /// `--preview`: payload bytes a dump line shows.
    static let preview = 0...4096
    /// `--port`: the RoCEv2 UDP port.
    static let port = 1...65535
    /// `--interval`, seconds of capture time between snapshots of a file.
    static let fileInterval = 0.001...86_400.0
    /// `--interval`, seconds between live snapshots or refreshes: below this a terminal or a
    /// pipe is flooded and the probe is polled for nothing.
    static let liveInterval = 0.05...86_400.0
    /// `--sample`: events per flow and second beyond the notable ones.
    static let samplePerSecond = 0...1_000_000
    /// `--speed` factors.
    static let speed = 0.001...1_000_000.0

    /// Throws the usage error for `option` `value` outside `range`, e.g.
    /// `--count -1: must be from 0 to 1000000000 (snapshots)`.
    static func check(_ option: String, _ value: Int, _ range: ClosedRange<Int>, _ unit: String) throws {
        guard range.contains(value) else {
            throw ValidationError("\(option) \(value): must be from \(range.lowerBound) to \(range.upperBound) (\(unit))")
        }
    }

    /// Like `check`, for floating-point values (NaN and infinities are outside every range).
    static func check(_ option: String, _ value: Double, _ range: ClosedRange<Double>, _ unit: String) throws {
        guard value.isFinite, range.contains(value) else {
            throw ValidationError("\(option) \(value): must be from \(decimal(range.lowerBound)) "
                                  + "to \(decimal(range.upperBound)) (\(unit))")
        }
    }

    /// 0.001, 86400: a bound as a person writes it.
    static func decimal(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
