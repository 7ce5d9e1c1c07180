import Stats

/// The exported numbers of one QP series (or of several folded together): the metric
/// table's Prometheus counters, the labelled ones by label value, and the RTT histogram.
struct QPSeries: Equatable {
    /// The unlabelled counter rows (`QPSeries.counterRows`), in order.
    var counters: [UInt64]
    /// Whether each of them was measured on some flow of the series (`FlowMetric.measured`):
    /// with sampled events only the kernel's PSN window measures the PSN rows, on some flows.
    var measured: [Bool]
    /// The labelled counter rows (`QPSeries.splitRows`), by label value.
    var splits: [[String: UInt64]]
    /// RTT samples per bucket of `RoundTripTimes.bucketBoundsMicroseconds` (not cumulative).
    var rttBuckets: [UInt64]
    var rttSumMicroseconds: UInt64

    /// Rows of the metric table exported as plain counters.
    static let counterRows = FlowMetric.all.filter { $0.prometheus?.kind == .counter && $0.split == nil }
    /// Rows exported as counters split by a label.
    static let splitRows = FlowMetric.all.filter { $0.prometheus?.kind == .counter && $0.split != nil }

    static let zero = QPSeries(counters: Array(repeating: 0, count: counterRows.count),
                               measured: Array(repeating: false, count: counterRows.count),
                               splits: Array(repeating: [:], count: splitRows.count),
                               rttBuckets: Array(repeating: 0, count: RoundTripTimes.bucketBoundsMicroseconds.count),
                               rttSumMicroseconds: 0)

    /// A flow's numbers as the engine has them now.
    init(_ f: FlowStats) {
        measured = QPSeries.counterRows.map { $0.measured(f) }
        counters = zip(QPSeries.counterRows, measured).map { row, measured in measured ? row.value(f) : 0 }
        splits = QPSeries.splitRows.map { row in Dictionary(row.split!(f), uniquingKeysWith: +) }
        rttBuckets = f.rtt.bucketCounts.isEmpty ? QPSeries.zero.rttBuckets : f.rtt.bucketCounts
        rttSumMicroseconds = f.rtt.sumMicroseconds
    }

    private init(counters: [UInt64], measured: [Bool], splits: [[String: UInt64]], rttBuckets: [UInt64],
                 rttSumMicroseconds: UInt64) {
        self.counters = counters
        self.measured = measured
        self.splits = splits
        self.rttBuckets = rttBuckets
        self.rttSumMicroseconds = rttSumMicroseconds
    }

    var rttCount: UInt64 { rttBuckets.reduce(0, &+) }

    /// Adds to `self` what grew from `seen` to `now`, element by element (what shrank, an
    /// estimate the analysis revised down, grew by nothing), and raises `seen` to `now`: the
    /// high-water marks the next growth is measured from. In place: no allocation per flow.
    mutating func addGrowth(from seen: inout QPSeries, to now: QPSeries) {
        for i in measured.indices where now.measured[i] && !measured[i] { measured[i] = true }
        for i in counters.indices where now.counters[i] > seen.counters[i] {
            counters[i] &+= now.counters[i] - seen.counters[i]
            seen.counters[i] = now.counters[i]
        }
        for i in splits.indices {
            for (label, n) in now.splits[i] where n > seen.splits[i][label, default: 0] {
                splits[i][label, default: 0] &+= n - seen.splits[i][label, default: 0]
                seen.splits[i][label] = n
            }
        }
        if now.rttSumMicroseconds != seen.rttSumMicroseconds || now.rttBuckets != seen.rttBuckets {
            for i in rttBuckets.indices where now.rttBuckets[i] > seen.rttBuckets[i] {
                rttBuckets[i] &+= now.rttBuckets[i] - seen.rttBuckets[i]
                seen.rttBuckets[i] = now.rttBuckets[i]
            }
            if now.rttSumMicroseconds > seen.rttSumMicroseconds {
                rttSumMicroseconds &+= now.rttSumMicroseconds - seen.rttSumMicroseconds
                seen.rttSumMicroseconds = now.rttSumMicroseconds
            }
        }
    }
}
