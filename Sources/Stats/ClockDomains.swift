/// The clocks a capture's timestamps come from.
///
/// A capture may stamp packets from more than one clock: rxe hands the packets it transmits
/// to the stack stamped with the time since boot (they read as 1970), while received ones
/// carry the wall clock; two pcapng interfaces may have different offsets. Each clock is a
/// *domain*: a packet within `maximumJump` of a domain's latest packet belongs to it; a
/// packet near none starts a new domain. Capture order is arrival order, so a new domain is
/// aligned to start where the capture stands: `aligned` times form one timeline, on which
/// durations and rates are computed, and intervals are only ever measured within a domain.
public struct ClockDomains: Sendable {
    /// One clock.
    public struct Domain: Sendable, Equatable {
        /// Its first and last timestamps, as stamped (nanoseconds since the epoch).
        public var first: Int64
        public var last: Int64
        /// Packets stamped by it.
        public var packets: UInt64
        /// Where its first packet (`anchor`, as stamped) stands on the common timeline: a
        /// timestamp `t` of this clock is at `start + (t - anchor)`, which saturates only when
        /// the timeline itself leaves Int64 (an offset `start - anchor` need not fit).
        public var anchor: Int64
        public var start: Int64

        /// The timestamp's place on the common timeline.
        func aligned(_ timestamp: Int64) -> Int64 { start.addingSaturating(timestamp.subtractingSaturating(anchor)) }
        /// Seconds between its first and last packet.
        public var durationSeconds: Double { Double(last.subtractingSaturating(first)) / 1e9 }
    }

    /// The largest gap between a packet and its clock's previous packet.
    public let maximumJump: Int64
    /// The domains, in the order they appeared.
    public private(set) var domains: [Domain] = []
    /// Domains kept at most; a packet beyond joins the nearest.
    static let maximumDomains = 8
    /// The latest time on the common timeline.
    public private(set) var latest: Int64 = 0

    public init(maximumJump: Int64 = 600_000_000_000) {
        self.maximumJump = maximumJump
    }

    /// The domain of a packet stamped `timestamp`, and its time on the common timeline.
    public mutating func place(_ timestamp: Int64) -> (domain: Int, aligned: Int64) {
        var best = -1
        var bestDistance = UInt64.max
        for (i, d) in domains.enumerated() {
            let distance = timestamp >= d.last ? UInt64(bitPattern: timestamp &- d.last) : UInt64(bitPattern: d.last &- timestamp)
            // (overflowing differences wrap to huge values and never match)
            if distance < bestDistance {
                best = i
                bestDistance = distance
            }
        }
        if best < 0 || (bestDistance > UInt64(maximumJump) && domains.count < ClockDomains.maximumDomains) {
            domains.append(Domain(first: timestamp, last: timestamp, packets: 0, anchor: timestamp,
                                  start: domains.isEmpty ? timestamp : latest))
            best = domains.count - 1
        }
        domains[best].packets &+= 1
        if timestamp > domains[best].last { domains[best].last = timestamp }
        if timestamp < domains[best].first { domains[best].first = timestamp }
        let aligned = domains[best].aligned(timestamp)
        if aligned > latest || domains.count == 1 && domains[0].packets == 1 { latest = aligned }
        return (best, aligned)
    }
}

extension Int64 {
    /// `self - other`, clamped to the representable range.
    @inlinable
    public func subtractingSaturating(_ other: Int64) -> Int64 {
        let (r, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : r
    }

    /// `self + other`, clamped to the representable range.
    @inlinable
    public func addingSaturating(_ other: Int64) -> Int64 {
        let (r, overflow) = addingReportingOverflow(other)
        return overflow ? (other < 0 ? .min : .max) : r
    }
}
