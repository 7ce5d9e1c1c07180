/// Messages of one flow, each counted once, when its LAST (or ONLY) packet's PSN is first
/// carried, its size taken from its PSNs: `(last - first) * pmtu + payload of the LAST`
/// (every packet of a message but the last carries exactly one path MTU, IBTA 9.7.4.1.1).
/// A retransmitted message is the same message; a message whose start precedes the capture
/// is not counted (its size is unknown). docs/analysis.md.
public struct MessageLedger: Sendable {
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
    static let maximumMarks = 256

    public init() {}

    public var meanBytes: Double { count == 0 ? 0 : Double(totalBytes) / Double(count) }

    /// A FIRST packet carried for the first time.
    mutating func start(at psn: UInt32) {
        mark(Mark(psn: psn, isStart: true))
        reviseLast(start: psn)
    }

    /// The last message sized from a start mark, and the extremes before it: a FIRST seen
    /// after that LAST (reordered) shows where the message really began.
    private var lastSized: (start: UInt32, last: UInt32, size: UInt64, pmtu: Int, min: UInt64, max: UInt64)?

    private mutating func reviseLast(start f: UInt32) {
        guard let m = lastSized, PSN.isAhead(f, of: m.start), !PSN.isAhead(f, of: m.last) else { return }
        let smaller = m.size &- UInt64(PSN.distance(f, from: m.start)) &* UInt64(max(1, m.pmtu))
        totalBytes = totalBytes &- m.size &+ smaller
        minBytes = min(m.min, smaller)
        maxBytes = max(m.max, smaller)
        lastSized = (f, m.last, smaller, m.pmtu, m.min, m.max)
    }

    /// A FIRST, LAST or ONLY packet carried again: a message boundary all the same (the
    /// message it belongs to may still lack its LAST).
    mutating func boundary(at psn: UInt32, isStart: Bool) {
        if marks.contains(Mark(psn: psn, isStart: isStart)) { return }
        mark(Mark(psn: psn, isStart: isStart))
        if isStart { reviseLast(start: psn) }
    }

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
        let size = earlier &* UInt64(max(1, pmtu)) &+ payload
        let first = PSN.add(psn, PSN.mask &- UInt32(earlier) &+ 1)
        lastSized = (first, psn, size, pmtu, minBytes, maxBytes)
        record(size)
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
