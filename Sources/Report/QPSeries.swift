import Stats

/// The exported numbers of one QP series (or of several folded together): the metric
/// table's Prometheus counters, the labelled ones by label value, and the RTT histogram.
struct QPSeries: Equatable {
    /// The unlabelled counter rows (`QPSeries.counterRows`), in order.
    var counters: [UInt64]
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
                               splits: Array(repeating: [:], count: splitRows.count),
                               rttBuckets: Array(repeating: 0, count: RoundTripTimes.bucketBoundsMicroseconds.count),
                               rttSumMicroseconds: 0)

    /// A flow's numbers as the engine has them now.
    init(_ f: FlowStats) {
        counters = QPSeries.counterRows.map { $0.value(f) }
        splits = QPSeries.splitRows.map { row in Dictionary(row.split!(f), uniquingKeysWith: +) }
        rttBuckets = f.rtt.bucketCounts.isEmpty ? QPSeries.zero.rttBuckets : f.rtt.bucketCounts
        rttSumMicroseconds = f.rtt.sumMicroseconds
    }

    private init(counters: [UInt64], splits: [[String: UInt64]], rttBuckets: [UInt64], rttSumMicroseconds: UInt64) {
        self.counters = counters
        self.splits = splits
        self.rttBuckets = rttBuckets
        self.rttSumMicroseconds = rttSumMicroseconds
    }

    var rttCount: UInt64 { rttBuckets.reduce(0, &+) }

    /// What grew from `self` to `now`, element by element; what shrank (an estimate the
    /// analysis revised down) grew by nothing.
    func growth(to now: QPSeries) -> QPSeries {
        var d = QPSeries.zero
        for i in counters.indices { d.counters[i] = now.counters[i] > counters[i] ? now.counters[i] - counters[i] : 0 }
        for i in splits.indices {
            for (label, n) in now.splits[i] where n > splits[i][label, default: 0] {
                d.splits[i][label] = n - splits[i][label, default: 0]
            }
        }
        for i in rttBuckets.indices { d.rttBuckets[i] = now.rttBuckets[i] > rttBuckets[i] ? now.rttBuckets[i] - rttBuckets[i] : 0 }
        d.rttSumMicroseconds = now.rttSumMicroseconds > rttSumMicroseconds ? now.rttSumMicroseconds - rttSumMicroseconds : 0
        return d
    }

    /// The larger of each element: the high-water mark `growth(to:)` measures from.
    func highest(_ other: QPSeries) -> QPSeries {
        var m = self
        for i in counters.indices { m.counters[i] = max(counters[i], other.counters[i]) }
        for i in splits.indices { m.splits[i].merge(other.splits[i], uniquingKeysWith: max) }
        for i in rttBuckets.indices { m.rttBuckets[i] = max(rttBuckets[i], other.rttBuckets[i]) }
        m.rttSumMicroseconds = max(rttSumMicroseconds, other.rttSumMicroseconds)
        return m
    }

    static func += (a: inout QPSeries, b: QPSeries) {
        for i in a.counters.indices { a.counters[i] &+= b.counters[i] }
        for i in a.splits.indices { a.splits[i].merge(b.splits[i], uniquingKeysWith: &+) }
        for i in a.rttBuckets.indices { a.rttBuckets[i] &+= b.rttBuckets[i] }
        a.rttSumMicroseconds &+= b.rttSumMicroseconds
    }
}
