import CFlow

/// A flow's requests as the kernel's PSN window counted them (`rdmatop_psn_observe()`,
/// bpf/rdmatop_flow.h): with sampled events they stand for the PSN ledger's three counters
/// that need only the PSNs (`distinct_psns`, `retransmitted_packets`, `missing_psns`), and
/// for the flow's `messages` and `partial_messages` when it carries no responses.
public struct KernelPSNCounts: Sendable, Equatable, DefaultInitializable {
    public var distinct: UInt64 = 0
    public var retransmitted: UInt64 = 0
    public var missing: UInt64 = 0
    public var messages: UInt64 = 0
    public var partialMessages: UInt64 = 0
    /// READ requests: each takes a PSN per response, which needs the path MTU the kernel does
    /// not know, so the window does not follow such a flow.
    public var reads: UInt64 = 0
    /// READ responses and atomic acknowledgements: their messages are the flow's too, and the
    /// window does not count them.
    public var responses: UInt64 = 0
    /// Whether the kernel had a window for the flow (its requests, not refused by a full map).
    public var present = false

    public init() {}

    /// The counts of one entry of the kernel's PSN map.
    public init(_ c: rdmatop_psn_counts) {
        distinct = c.distinct
        retransmitted = c.retransmitted
        missing = c.missing
        messages = c.messages
        partialMessages = c.partial_messages
        reads = c.reads
        responses = c.responses
        present = true
    }

    /// Whether the window measured the flow: it had one, requests went through it (each is a
    /// distinct PSN or a retransmission), and no READ request did.
    public var measured: Bool { present && reads == 0 && distinct &+ retransmitted > 0 }
    /// Whether its messages are the flow's: measured, and no responses.
    public var messagesMeasured: Bool { measured && responses == 0 }

    /// Adds the window of another entry of the same flow (its other direction).
    public mutating func add(_ other: KernelPSNCounts) {
        guard other.present else { return }
        distinct &+= other.distinct
        retransmitted &+= other.retransmitted
        missing &+= other.missing
        messages &+= other.messages
        partialMessages &+= other.partialMessages
        reads &+= other.reads
        responses &+= other.responses
        present = true
    }
}
