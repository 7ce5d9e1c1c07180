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

    /// A FIRST packet carried for the first time; `pmtu` is the path MTU known now (nil: not
    /// yet known).
    mutating func start(at psn: UInt32, pmtu: Int?) {
        settle(pmtu)
        mark(Mark(psn: psn, isStart: true))
        revise(start: psn, pmtu: pmtu)
    }

    /// A FIRST, LAST or ONLY packet carried again: a message boundary all the same (the
    /// message it belongs to may still lack its LAST); `pmtu` is the path MTU known now.
    mutating func boundary(at psn: UInt32, isStart: Bool, pmtu: Int?) {
        settle(pmtu)
        if marks.contains(Mark(psn: psn, isStart: isStart)) { return }
        mark(Mark(psn: psn, isStart: isStart))
        revise(start: isStart ? psn : PSN.add(psn, 1), pmtu: pmtu)
    }

    /// Messages of more than one packet whose LAST came before any FIRST or MIDDLE showed the
    /// path MTU (a capture that begins with a LAST whose FIRST was lost): sized, and counted,
    /// once it is known; partial until then.
    private var unsized: [(start: UInt32, last: UInt32, earlier: UInt64, payload: UInt64)] = []

    private mutating func settle(_ pmtu: Int?) {
        guard let pmtu, !unsized.isEmpty else { return }
        for m in unsized {
            let size = m.earlier &* UInt64(max(1, pmtu)) &+ m.payload
            partial &-= 1
            remember((m.start, m.last, size, pmtu))
            record(size)
        }
        unsized.removeAll()
    }

    /// Recent messages, as sized: a boundary seen later inside one (a FIRST, or the previous
    /// message's LAST, reordered or lost and resent) shows where it really began.
    /// A replay can come back to a message's missing boundary after well over a hundred later
    /// messages (one SoftRoCE run at 10 % loss: 38), so this remembers many; only a boundary
    /// behind the furthest LAST remembered (`sizedReach`) looks through them.
    private var sized: [(start: UInt32, last: UInt32, size: UInt64, pmtu: Int)] = []
    static let maximumSized = 256
    /// The furthest-ahead LAST of the messages in `sized`: a boundary past it revises none.
    private var sizedReach: UInt32?

    /// LASTs whose start was unknown, for a boundary that comes later (the FIRST resent).
    private var unplaced: [(last: UInt32, payload: UInt64)] = []

    /// Sizes the LAST whose start `f` shows, at the path MTU known now (`pmtu`; not yet
    /// known: it waits in `unsized`).
    private mutating func place(start f: UInt32, pmtu: Int?) {
        guard let i = unplaced.firstIndex(where: { PSN.distance($0.last, from: f) < 1 << 20 }) else { return }
        let m = unplaced.remove(at: i)
        let earlier = UInt64(PSN.distance(m.last, from: f))
        guard let mtu = pmtu ?? (earlier == 0 ? 1 : nil) else {
            unsized.append((f, m.last, earlier, m.payload), keepingAtMost: MessageLedger.maximumSized)
            return
        }
        partial &-= 1
        let size = earlier &* UInt64(max(1, mtu)) &+ m.payload
        remember((f, m.last, size, mtu))
        record(size)
    }

    private mutating func revise(start f: UInt32, pmtu: Int?) {
        place(start: f, pmtu: pmtu)
        // A start inside a message that waits for the path MTU: it began there.
        if let i = unsized.firstIndex(where: { PSN.isAhead(f, of: $0.start) && !PSN.isAhead(f, of: $0.last) }) {
            unsized[i].start = f
            unsized[i].earlier = UInt64(PSN.distance(unsized[i].last, from: f))
        }
        guard let reach = sizedReach, !PSN.isAhead(f, of: reach) else { return }
        guard let i = sized.firstIndex(where: { PSN.isAhead(f, of: $0.start) && !PSN.isAhead(f, of: $0.last) }) else { return }
        let m = sized[i]
        let smaller = m.size &- UInt64(PSN.distance(f, from: m.start)) &* UInt64(max(1, m.pmtu))
        totalBytes = totalBytes &- m.size &+ smaller
        sized[i] = (f, m.last, smaller, m.pmtu)
        // The extremes over what is remembered; older messages keep their part in them.
        minBytes = min(minBytes, smaller)
        if m.size == maxBytes { maxBytes = max(smaller, sized.map(\.size).max() ?? smaller, maxBeforeSized) }
    }

    /// The largest size among messages no longer in `sized`.
    private var maxBeforeSized: UInt64 = 0

    /// A one-packet message of `size` bytes carried for the first time.
    mutating func only(at psn: UInt32, size: UInt64) {
        record(size)
        mark(Mark(psn: psn, isStart: false))
    }

    /// A LAST packet carried for the first time, with `payload` bytes, at path MTU `pmtu`
    /// (nil: not known yet); `start` is its message's first PSN when another packet told it
    /// (a READ request).
    mutating func last(at psn: UInt32, payload: UInt64, pmtu: Int?, start: UInt32? = nil) {
        settle(pmtu)
        // The nearest boundary at or before this PSN: a start is the message's first PSN, an
        // end is the previous message's last.
        var best: (distance: UInt32, mark: Mark)?
        if let start {
            best = (PSN.distance(psn, from: start), Mark(psn: start, isStart: true))
        } else {
            for m in marks {
                let d = PSN.distance(psn, from: m.psn)
                guard d < 1 << 20, d > 0 || m.isStart else { continue }
                if best == nil || d < best!.distance { best = (d, m) }
            }
        }
        mark(Mark(psn: psn, isStart: false))
        guard let best else {
            partial &+= 1
            unplaced.append((psn, payload), keepingAtMost: MessageLedger.maximumSized)
            return
        }
        let earlier = UInt64(best.mark.isStart ? best.distance : best.distance - 1)
        let first = PSN.add(psn, PSN.mask &- UInt32(earlier) &+ 1)
        guard let mtu = pmtu ?? (earlier == 0 ? 1 : nil) else {
            partial &+= 1
            unsized.append((first, psn, earlier, payload), keepingAtMost: MessageLedger.maximumSized)
            revise(start: PSN.add(psn, 1), pmtu: pmtu)
            return
        }
        let size = earlier &* UInt64(max(1, mtu)) &+ payload
        remember((first, psn, size, mtu))
        record(size)
        // This LAST is also where the next message starts: a later message sized before it
        // came (from an older boundary) was smaller than thought.
        revise(start: PSN.add(psn, 1), pmtu: pmtu)
    }

    private mutating func remember(_ m: (start: UInt32, last: UInt32, size: UInt64, pmtu: Int)) {
        if sized.count >= MessageLedger.maximumSized { maxBeforeSized = max(maxBeforeSized, sized.removeFirst().size) }
        sized.append(m)
        if sizedReach.map({ PSN.isAhead(m.last, of: $0) }) ?? true { sizedReach = m.last }
    }

    private mutating func record(_ size: UInt64) {
        count &+= 1
        totalBytes &+= size
        minBytes = min(minBytes, size)
        maxBytes = max(maxBytes, size)
    }

    private mutating func mark(_ m: Mark) {
        if marks.count >= MessageLedger.maximumMarks {
            // Drop the boundary farthest behind this one (a resent packet re-marks old ones).
            var oldest = 0, farthest: UInt32 = 0
            for (i, x) in marks.enumerated() {
                let d = PSN.distance(m.psn, from: x.psn)
                if d < PSN.half && d > farthest {
                    farthest = d
                    oldest = i
                }
            }
            marks.remove(at: oldest)
        }
        marks.append(m)
    }
}
