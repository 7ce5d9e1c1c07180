import CFlow

/// A flow's requests as the kernel's PSN window counted them (`rdmatop_psn_observe()`,
/// bpf/rdmatop_flow.h): with sampled events they stand for the PSN ledger's three counters
/// that need only the PSNs (`distinct_psns`, `retransmitted_packets`, `missing_psns`).
public struct KernelPSNCounts: Sendable, Equatable, DefaultInitializable {
    public var distinct: UInt64 = 0
    public var retransmitted: UInt64 = 0
    public var missing: UInt64 = 0
    /// READ requests: each takes a PSN per response, which needs the path MTU the kernel does
    /// not know, so the window does not follow such a flow.
    public var reads: UInt64 = 0
    /// Whether the kernel had a window for the flow (its requests, not refused by a full map).
    public var present = false

    public init() {}

    /// The counts of one entry of the kernel's PSN map.
    public init(_ c: rdmatop_psn_counts) {
        distinct = c.distinct
        retransmitted = c.retransmitted
        missing = c.missing
        reads = c.reads
        present = true
    }

    /// Whether the window measured the flow: it had one, and no READ request went through it.
    public var measured: Bool { present && reads == 0 }

    /// Adds the window of another entry of the same flow (its other direction).
    public mutating func add(_ other: KernelPSNCounts) {
        guard other.present else { return }
        distinct &+= other.distinct
        retransmitted &+= other.retransmitted
        missing &+= other.missing
        reads &+= other.reads
        present = true
    }
}
