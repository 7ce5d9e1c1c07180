import Histogram

/// Round-trip times of one requester flow: from a request to the first ACK or response that
/// covers its PSN, in microseconds, in an HdrHistogram.
public struct RoundTripTimes: Sendable {
    /// Requests awaiting their acknowledgement: (PSN, time), oldest first, bounded.
    private var pending: [(psn: UInt32, time: Int64, domain: Int)] = []
    static let maxPending = 256
    /// The histogram, created with the first sample.
    public private(set) var histogram: Histogram<UInt32>?

    /// Samples above this (microseconds) are not round trips (clocks that differ per
    /// direction, as in captures where rxe stamps one direction with the boot clock).
    public static let maximumMicroseconds: UInt64 = 10_000_000

    /// Round trips not measured because the request and its answer were stamped by
    /// different clocks (ClockDomains).
    public private(set) var crossClock: UInt64 = 0

    /// The round trips are the kernel's (`init(kernelBuckets:sumNanoseconds:)`), not
    /// measured from the events.
    public private(set) var fromKernel = false

    public init() {}

    /// Round trips the probe measured in the kernel (bpf/rdmatop.h): counts per log2 bucket
    /// of microseconds (bucket i: [2^i, 2^(i+1)) us, bucket 0 under 2 us) and their exact sum.
    /// Each bucket's round trips count at its geometric middle (2^i x 1.414 us), so
    /// percentiles are within a factor of 1.42 of the kernel's times; the sum stays exact.
    public init(kernelBuckets buckets: [UInt64], sumNanoseconds: UInt64) {
        fromKernel = true
        for (i, n) in buckets.enumerated() where n > 0 {
            let us = min(RoundTripTimes.maximumMicroseconds,
                         i == 0 ? 1 : UInt64((Double(UInt64(1) << UInt64(min(i, 62))) * 2.0.squareRoot()).rounded()))
            if histogram == nil { histogram = RoundTripTimes.newHistogram() }
            _ = histogram?.record(us, count: UInt32(clamping: n))
            recordBucket(us, count: n)
        }
        sumMicroseconds = sumNanoseconds / 1000
    }

    private static func newHistogram() -> Histogram<UInt32> {
        Histogram<UInt32>(lowestDiscernibleValue: 1, highestTrackableValue: RoundTripTimes.maximumMicroseconds,
                          numberOfSignificantValueDigits: .two)
    }

    /// A request that expects an acknowledgement, stamped by clock `domain`.
    mutating func request(psn: UInt32, time: Int64, domain: Int = 0) {
        if let last = pending.last, last.psn == psn { return }  // a retransmission keeps the first
        pending.append((psn, time, domain), keepingAtMost: RoundTripTimes.maxPending)
    }

    /// An acknowledgement or response covering PSNs up to `psn`; records one sample per
    /// covered request.
    mutating func response(covering psn: UInt32, time: Int64, domain: Int = 0) {
        var kept: [(psn: UInt32, time: Int64, domain: Int)] = []
        for entry in pending {
            if PSN.isAhead(entry.psn, of: psn) {
                kept.append(entry)
                continue
            }
            guard entry.domain == domain else {
                crossClock &+= 1
                continue
            }
            let delta = time.subtractingSaturating(entry.time)
            guard delta >= 0 else { continue }
            let us = UInt64(delta / 1000)
            guard us <= RoundTripTimes.maximumMicroseconds else { continue }
            if histogram == nil { histogram = RoundTripTimes.newHistogram() }
            _ = histogram?.record(max(1, us))
            recordBucket(max(1, us))
            sumMicroseconds &+= max(1, us)
        }
        pending = kept
    }

    /// Samples recorded.
    /// Upper bounds of the fixed log buckets the Prometheus histogram exports, in
    /// microseconds: 1-2-5 steps from 10 µs to 10 s (the largest time recorded).
    public static let bucketBoundsMicroseconds: [UInt64] = (1...6).flatMap { e -> [UInt64] in
        let p = UInt64(pow10(e))
        return [p, 2 * p, 5 * p]
    } + [10_000_000]

    /// Samples per bucket (not cumulative): `bucketCounts[i]` counts samples at most
    /// `bucketBoundsMicroseconds[i]` and above the bound before; empty until the first sample.
    public private(set) var bucketCounts: [UInt64] = []
    /// The sum of every sample, in microseconds.
    public private(set) var sumMicroseconds: UInt64 = 0

    private mutating func recordBucket(_ us: UInt64, count: UInt64 = 1) {
        if bucketCounts.isEmpty { bucketCounts = Array(repeating: 0, count: RoundTripTimes.bucketBoundsMicroseconds.count) }
        let i = RoundTripTimes.bucketBoundsMicroseconds.firstIndex { us <= $0 } ?? bucketCounts.count - 1
        bucketCounts[i] &+= count
    }

    private static func pow10(_ e: Int) -> Int { (0..<e).reduce(1) { r, _ in r * 10 } }

    public var count: UInt64 { histogram?.totalCount ?? 0 }

    /// The value at `percentile` (0-100) in microseconds, nil without samples.
    public func percentile(_ p: Double) -> UInt64? {
        guard let h = histogram, h.totalCount > 0 else { return nil }
        return h.valueAtPercentile(p)
    }
}
