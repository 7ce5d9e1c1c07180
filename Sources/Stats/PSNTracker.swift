/// PSN arithmetic modulo 2^24.
public enum PSN {
    public static let mask: UInt32 = 0xFF_FFFF
    /// Half the PSN space: a difference below it is "ahead", at or above it "behind".
    public static let half: UInt32 = 0x80_0000

    /// `a - b` modulo 2^24.
    @inlinable
    public static func distance(_ a: UInt32, from b: UInt32) -> UInt32 { (a &- b) & mask }

    /// Whether `a` is strictly ahead of `b` (within half the space).
    @inlinable
    public static func isAhead(_ a: UInt32, of b: UInt32) -> Bool {
        let d = distance(a, from: b)
        return d != 0 && d < half
    }

    /// `a + n` modulo 2^24.
    @inlinable
    public static func add(_ a: UInt32, _ n: UInt32) -> UInt32 { (a &+ n) & mask }
}

/// What one request packet's PSN says about the flow.
public enum PSNEvent: Sendable, Equatable {
    /// The next PSN expected.
    case inOrder
    /// The PSN jumped ahead: this many PSNs are missing.
    case gap(UInt32)
    /// A PSN behind the next expected one, resent after a NAK (PSN sequence error or RNR).
    case retransmissionAfterNAK
    /// A PSN behind the next expected one, resent with no NAK seen: the requester timed out.
    case retransmissionAfterTimeout
    /// The same packet again, not part of a retransmission.
    case duplicate
    /// A PSN that was missing, arriving late without a NAK: reordered, not lost.
    case outOfOrder
}

/// The PSN analysis of one flow's requests, modulo 2^24 (IBTA 9.7: a requester's PSNs
/// advance by one per packet; a READ request reserves one per response packet).
public struct PSNTracker: Sendable {
    /// Next PSN expected in order.
    public private(set) var expected: UInt32 = 0
    public private(set) var started = false
    /// PSN of the last request packet seen.
    public private(set) var lastPSN: UInt32 = 0
    /// In a go-back-N replay: requests behind `expected` are being resent.
    public private(set) var replaying = false
    /// The PSN the replay should resend next (a jump past it is a gap in the replay).
    private var replayNext: UInt32 = 0
    /// The PSN a NAK seen on the reverse flow asked for, until the requester has resent it
    /// and caught up again.
    public private(set) var nakPSN: UInt32?
    private var nakHonoured = false

    /// Whether a NAK is pending.
    public var nakPending: Bool { nakPSN != nil }

    /// A NAK (PSN sequence error, or RNR) on the reverse flow asks for `psn` again.
    public mutating func noteNAK(expecting psn: UInt32) {
        nakPSN = psn
        nakHonoured = false
    }

    /// Missing PSN ranges not yet filled, with the time they went missing (bounded).
    private var missing: [(start: UInt32, count: UInt32, time: Int64)] = []
    static let maxMissing = 32

    public private(set) var inOrder: UInt64 = 0
    /// Missing PSNs (sum of the gaps, less those later filled by reordered packets).
    public private(set) var gaps: UInt64 = 0
    public private(set) var retransmissionsAfterNAK: UInt64 = 0
    public private(set) var retransmissionsAfterTimeout: UInt64 = 0
    public private(set) var duplicates: UInt64 = 0
    public private(set) var outOfOrder: UInt64 = 0

    /// How late a missing PSN may arrive, with no NAK, and still count as reordered.
    public var reorderWindowNanoseconds: Int64 = 500_000

    public var retransmissions: UInt64 { retransmissionsAfterNAK + retransmissionsAfterTimeout }

    public init() {}

    /// Classifies a request with PSN `psn` that occupies `span` PSNs (1, or a READ's
    /// response count), seen at `time` (nanoseconds).
    @discardableResult
    public mutating func observe(psn: UInt32, span: UInt32 = 1, time: Int64) -> PSNEvent {
        let n = max(1, span)
        defer { lastPSN = psn }
        guard started else {
            started = true
            expected = PSN.add(psn, n)
            inOrder += 1
            return .inOrder
        }
        let d = PSN.distance(psn, from: expected)
        if d == 0 {
            expected = PSN.add(psn, n)
            replaying = false
            // Caught up: the NAK is dealt with once its PSN has been resent (or is this one).
            if nakHonoured || nakPSN == psn { nakPSN = nil }
            inOrder += 1
            return .inOrder
        }
        if d < PSN.half {
            gaps += UInt64(d)
            if missing.count >= PSNTracker.maxMissing { missing.removeFirst() }
            missing.append((expected, d, time))
            expected = PSN.add(psn, n)
            replaying = false
            return .gap(d)
        }
        // Behind the next expected PSN.
        let filled = fill(psn)
        if !nakPending && !replaying {
            if psn == lastPSN && filled == nil {
                duplicates += 1
                return .duplicate
            }
            if let when = filled, time - when <= reorderWindowNanoseconds {
                outOfOrder += 1
                gaps -= 1
                return .outOfOrder
            }
        }
        // A resent PSN skipped inside the replay went missing too. A new round (the first
        // resent packet, or a jump back within a replay) answering a NAK starts at the
        // NAK's PSN: resent packets past it mean it was lost again.
        let newRound = !replaying || (psn != replayNext && !PSN.isAhead(psn, of: replayNext))
        let replayStart = newRound ? (nakHonoured ? nil : nakPSN) : replayNext
        if let replayStart {
            let skipped = PSN.distance(psn, from: replayStart)
            if skipped != 0 && skipped < PSN.half && PSN.isAhead(expected, of: psn) {
                gaps += UInt64(skipped)
                if missing.count >= PSNTracker.maxMissing { missing.removeFirst() }
                missing.append((replayNext, skipped, time))
            }
        }
        replaying = true
        replayNext = PSN.add(psn, n)
        if psn == nakPSN { nakHonoured = true }
        if nakPending {
            retransmissionsAfterNAK += 1
            return .retransmissionAfterNAK
        }
        retransmissionsAfterTimeout += 1
        return .retransmissionAfterTimeout
    }

    /// Corrects the span of the last request (a READ whose response count became known):
    /// the next expected PSN becomes `psn + span` when `psn` was the last request.
    public mutating func reviseSpan(of psn: UInt32, to span: UInt32) {
        guard started, psn == lastPSN, !replaying else { return }
        expected = PSN.add(psn, max(1, span))
    }

    /// Removes `psn` from the missing ranges; returns when it went missing, or nil.
    private mutating func fill(_ psn: UInt32) -> Int64? {
        for (i, range) in missing.enumerated() {
            let offset = PSN.distance(psn, from: range.start)
            guard offset < range.count else { continue }
            let time = range.time
            missing.remove(at: i)
            if offset > 0 { missing.append((range.start, offset, time)) }
            if offset + 1 < range.count {
                missing.append((PSN.add(psn, 1), range.count - offset - 1, time))
            }
            return time
        }
        return nil
    }
}
