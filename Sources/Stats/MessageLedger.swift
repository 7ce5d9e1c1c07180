/// Messages of one flow, each counted once, when its LAST (or ONLY) packet's PSN is first
/// carried, its size taken from its PSNs: `(last - first) * pmtu + payload of the LAST`
/// (every packet of a message but the last carries exactly one path MTU, IBTA 9.7.4.1.1).
/// A retransmitted message is the same message; a message whose start precedes the capture
/// is not counted (its size is unknown). docs/analysis.md.
public struct MessageLedger: Sendable, Equatable {
    public private(set) var count: UInt64 = 0
    public private(set) var totalBytes: UInt64 = 0
    public private(set) var minBytes: UInt64 = .max
    public private(set) var maxBytes: UInt64 = 0
    /// Messages whose LAST came without a known start (the capture began inside them).
    public private(set) var partial: UInt64 = 0
    /// Recent message boundaries: the PSN of a FIRST (a start) or of a LAST/ONLY (an end).
    private var marks: [Mark] = []
    struct Mark: Sendable, Equatable {
        var psn: UInt32
        var isStart: Bool
    }
    static let maximumMarks = 64

    public init() {}

    public var meanBytes: Double { count == 0 ? 0 : Double(totalBytes) / Double(count) }

    /// A FIRST packet carried for the first time.
    mutating func start(at psn: UInt32) { mark(Mark(psn: psn, isStart: true)) }

    /// A one-packet message of `size` bytes carried for the first time.
    mutating func only(at psn: UInt32, size: UInt64) {
        record(size)
        mark(Mark(psn: psn, isStart: false))
    }

    /// A LAST packet carried for the first time, with `payload` bytes, at path MTU `pmtu`.
    mutating func last(at psn: UInt32, payload: UInt64, pmtu: Int) {
        // The nearest boundary at or before this PSN: a start is the message's first PSN, an
        // end is the previous message's last.
        var best: (distance: UInt32, mark: Mark)?
        for m in marks {
            let d = PSN.distance(psn, from: m.psn)
            guard d < 1 << 20, d > 0 || m.isStart else { continue }
            if best == nil || d < best!.distance { best = (d, m) }
        }
        mark(Mark(psn: psn, isStart: false))
        guard let best else {
            partial &+= 1
            return
        }
        let earlier = UInt64(best.mark.isStart ? best.distance : best.distance - 1)
        record(earlier &* UInt64(max(1, pmtu)) &+ payload)
    }

    private mutating func record(_ size: UInt64) {
        count &+= 1
        totalBytes &+= size
        minBytes = min(minBytes, size)
        maxBytes = max(maxBytes, size)
    }

    private mutating func mark(_ m: Mark) {
        if marks.count >= MessageLedger.maximumMarks { marks.removeFirst() }
        marks.append(m)
    }
}
