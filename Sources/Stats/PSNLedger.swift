/// What one packet's PSN was, to the flow that carried it (docs/analysis.md).
public enum PSNObservation: Sendable, Equatable {
    /// A PSN the flow had not carried, at or past the next one expected.
    case new
    /// A missing PSN seen for the first time with no NAK and no retransmission since it went
    /// missing: reordered. (Provisional: the next packet may show it was a retransmission.)
    case late
    /// A missing PSN seen for the first time after a NAK or a retransmission: recovered.
    case recovered
    /// A PSN the flow had already carried.
    case retransmitted(RetransmissionKind)
}

/// Why a PSN came again, as far as the wire tells.
public enum RetransmissionKind: Sendable, Equatable {
    /// A NAK (PSN sequence error or RNR) on the reverse flow asked for it or an earlier PSN.
    case afterNAK
    /// No NAK asked for it: the requester's retransmission timer fired.
    case afterTimeout
    /// The same PSN as the flow's previous packet, within the reorder window, with no NAK:
    /// a copy (a mirror port or a capture that saw the packet twice).
    case duplicate
}

/// The PSN accounting of one flow's requests (or of its READ responses and atomic
/// acknowledgements), modulo 2^24. Every counter is defined in docs/analysis.md.
///
/// The ledger keeps the span of PSN positions it has passed, from the flow's first PSN to one
/// past its highest (`next`), and the *holes* in it: PSNs that the highest passed before they
/// were first seen. Every position in the span that is not a hole has been carried, so a PSN
/// is new, fills a hole, or repeats one already carried; `packets = distinct + retransmitted`.
/// A READ request occupies one PSN position per response packet (IBTA 9.7.1).
public struct PSNLedger: Sendable {
    /// A run of missing PSNs.
    struct Hole: Sendable {
        var start: UInt32
        var count: UInt32
        /// `disturbances` when the hole opened: a NAK or a retransmission since means a PSN
        /// that fills it was resent, not reordered.
        var epoch: UInt64
        var time: Int64
        /// False for PSNs before the flow's first one, seen later: not missing, just older.
        var counted: Bool
        /// PSNs per request in the hole: the span of the READ request that passed it (a READ
        /// takes one PSN per response packet), 1 for any other request.
        var step: UInt32 = 1

        /// The requests the hole's PSNs stand for: each was one transmission.
        var requests: UInt64 { UInt64((count + step - 1) / step) }
    }

    public private(set) var started = false
    /// The oldest PSN position tracked.
    private var low: UInt32 = 0
    /// One past the highest PSN position seen: the next new PSN expected.
    public private(set) var next: UInt32 = 0
    /// PSN of the flow's previous packet.
    public private(set) var lastPSN: UInt32 = 0
    /// When the flow's previous packet (of those the ledger counts) was seen.
    public private(set) var lastTime: Int64 = 0
    /// Holes, in PSN order from `low`, bounded.
    private var holes: [Hole] = []
    /// NAKs and retransmissions seen so far.
    private var disturbances: UInt64 = 0
    /// The PSN the last NAK asked for, until the flow has passed its highest PSN again.
    public private(set) var nakPSN: UInt32?
    /// The retransmission run in progress: the PSN it should carry next, and whether a NAK
    /// started it (go-back-N from the NAK's PSN: every later PSN up to `next` is resent).
    private var runNext: UInt32?
    private var runFromNAK = false
    /// Packets the run in progress has carried.
    private var runLength: UInt32 = 0
    /// A NAK arrived and the requester's replay for it has not started yet.
    private var nakAwaitsRun = false
    /// PSNs a run skipped, not yet counted lost: a reordered one may still come. Each is
    /// counted lost once `settleAfter` more packets have passed without it, or a new run starts.
    private var pendingLosses: [(psn: UInt32, seen: UInt64)] = []
    /// PSNs counted lost because they had not come `settleAfter` packets after their run
    /// skipped them, and when: one that comes after all, behind the run, was late, not lost.
    private var recentlySettled: [(psn: UInt32, settled: UInt64)] = []
    /// The highest packet seen does not end its message.
    private var openAtTop = false
    /// A timeout run went back into a message whose end the capture never saw: the new PSNs
    /// up to that message's end were sent before, and lost.
    private var owedTail = false
    /// An ACK came after a timeout run owing a tail had resent everything up to the highest PSN.
    private var ackedAtTop = false
    /// The silence before the timeout run that owes a tail: the requester's timeout.
    private var tailTimer: Int64 = 0
    /// A NAK's run that new PSNs overtook: where it stood, what it had left, and when.
    private var tail: (start: UInt32, count: UInt32, seen: UInt64)?
    /// Packets observed so far.
    private var observed: UInt64 = 0
    /// rxe's interleaved rounds run up to about 30 packets of one before the other comes back,
    /// and a capture point that splits one round into two streams (two CPUs' backlogs) delays
    /// a stream by up to about 60 packets: a skipped PSN is held for 48 packets, and its loss
    /// taken back if it comes within 48 more.
    static let settleAfter: UInt64 = 48
    static let sweepLength: UInt32 = 4
    static let sweepGap: UInt32 = 16
    static let maximumPending = 256
    /// Missing PSNs first carried after a NAK or a retransmission (a READ request filling
    /// several missing positions counts once).
    public private(set) var recovered: UInt64 = 0
    /// The last packet filled a hole and counted as late; the next may show otherwise.
    private var provisionalLate = false
    private var lateFilled: UInt64 = 1
    /// The last PSN that filled a hole as recovered, and when the packet that skipped it was
    /// stamped: its original, stamped before that, may still come (see `observe`).
    private var lastRecovery: (psn: UInt32, skippedAt: Int64)?
    /// The PSN of the previous packet when it was new (its span may still be revised).
    private var lastNew: UInt32?

    /// Holes tracked at most; beyond, the oldest is dropped and stays unrecovered.
    static let maximumHoles = 1024
    /// PSN positions tracked behind `next` at most; older ones count as carried.
    static let window: UInt32 = 1 << 22
    /// How far past the highest PSN seen a NAK of the flow may ask (requests the capture missed).
    static let nakAhead: UInt32 = 1 << 16
    /// How soon after going missing a PSN may arrive and count as reordered (nanoseconds),
    /// and how close together two copies of a packet count as a duplicate.
    public var reorderWindowNanoseconds: Int64 = 1_000_000

    /// PSNs carried at least once (a READ request counts once).
    public private(set) var distinct: UInt64 = 0
    /// Packets whose PSN had been carried already, by why they came again.
    public private(set) var retransmittedAfterNAK: UInt64 = 0
    public private(set) var retransmittedAfterTimeout: UInt64 = 0
    public private(set) var duplicates: UInt64 = 0
    /// PSNs the highest passed before they were first seen.
    public private(set) var missing: UInt64 = 0
    /// Of those, the ones first seen with no NAK and no retransmission in between.
    public private(set) var late: UInt64 = 0
    /// Holes dropped from tracking (too many, or too old): still unrecovered.
    public private(set) var expired: UInt64 = 0
    /// The requests those dropped holes stood for.
    private var expiredRequests: UInt64 = 0
    /// Retransmissions inferred lost before the capture point: PSNs a go-back-N run after a
    /// NAK skipped, or did not reach (those still pending included).
    private var settledLostRetransmissions: UInt64 = 0
    public var lostRetransmissions: UInt64 { settledLostRetransmissions &+ UInt64(pendingLosses.count) }

    public init() {}

    /// All retransmitted packets.
    public var retransmitted: UInt64 { retransmittedAfterNAK &+ retransmittedAfterTimeout &+ duplicates }
    /// Missing PSNs never seen so far.
    public var unrecovered: UInt64 {
        holes.reduce(expired) { $1.counted ? $0 &+ UInt64($1.count) : $0 }
    }
    /// The requests behind `unrecovered`: a READ request's several PSNs were one transmission.
    public var unrecoveredRequests: UInt64 {
        holes.reduce(expiredRequests) { $1.counted ? $0 &+ $1.requests : $0 }
    }
    /// Transmissions lost before the capture point: every missing request that was not merely
    /// reordered was lost once, plus the retransmissions lost.
    public var lostPackets: UInt64 {
        recovered &+ unrecoveredRequests &+ lostRetransmissions
    }

    /// A NAK (PSN sequence error or RNR) on the reverse flow asks for `psn` again.
    public mutating func noteNAK(expecting psn: UInt32) {
        // A NAK asks for a PSN the requester sent (some perhaps not captured): one far past the
        // highest seen, or older than the PSNs tracked, is not this flow's (a response flow
        // paired wrongly once made the skipped PSNs of a round millions).
        guard !started || PSN.distance(next, from: psn) <= PSNLedger.window
                || PSN.distance(psn, from: next) <= PSNLedger.nakAhead else { return }
        // Two NAKs before the replay starts (a reordered pair makes a responder NAK twice): the
        // requester goes back to the earlier PSN.
        if nakAwaitsRun, let earlier = nakPSN, PSN.isAhead(psn, of: earlier) {
        } else {
            nakPSN = psn
        }
        nakAwaitsRun = true
        disturbances &+= 1
        lastRecovery = nil
    }

    /// An ACK on the reverse flow.
    ///
    /// A timeout run into an unfinished message owes its end (it was sent, and lost), unless
    /// the run stopped at the highest PSN and waited for an ACK: then its send window stopped
    /// it (rxe sends at most 128 PSNs past the oldest unacknowledged one), and the new PSNs
    /// that follow the ACK were not sent before. Waited: the next new PSN comes at least the
    /// reorder window after the run's last packet (a run that goes on comes sooner, whatever
    /// ACKs cross it), and before 3/4 of the timeout (later, the timer resent it: lost again).
    /// The timeout is the silence before the run: the timer runs from the last packet sent.
    public mutating func noteACK() {
        if owedTail, runNext == next { ackedAtTop = true }
    }

    /// Accounts for a packet with PSN `psn` occupying `span` positions (1, or a READ
    /// request's response count), seen at `time` (nanoseconds).
    ///
    /// - Parameter expected: the PSN ranges the flow is due to carry, when a skip ahead does
    ///   not by itself mean loss (READ responses and atomic acknowledgements carry only the
    ///   PSNs their requests reserved); nil when every skipped PSN is missing.
    @discardableResult
    public mutating func observe(psn: UInt32, span: UInt32 = 1, time: Int64, endsMessage: Bool = true,
                                 expected: [(start: UInt32, count: UInt32)]? = nil) -> PSNObservation {
        let n = max(1, min(span, PSN.half - 1))
        let previous = lastPSN
        let sincePrevious = time.subtractingSaturating(lastTime)
        let previousNew = lastNew
        lastNew = nil
        observed &+= 1
        settle()
        defer {
            lastPSN = psn
            lastTime = time
        }
        guard started else {
            started = true
            low = psn
            next = PSN.add(psn, n)
            distinct = 1
            lastNew = psn
            return .new
        }
        let ahead = PSN.distance(psn, from: next)
        if ahead < PSN.half {
            // At or past the next PSN expected: new, and what it passed is missing.
            if ahead > 0 { openHoles(from: next, count: ahead, time: time, expected: expected, step: n) }
            if let run = runNext {
                if run == next {
                    // The run reached the highest PSN: done, and the NAK answered (unless its
                    // replay has yet to start: packets sent before it reached the requester).
                    runNext = nil
                    tail = nil
                    if !nakAwaitsRun { nakPSN = nil }
                } else if !runFromNAK {
                    runNext = nil  // a run no NAK started ends where it ends
                } else if tail == nil {
                    // New PSNs before the run got there: in flight, reordered, or the run
                    // stopped short. If it does not go on soon, what it did not reach was lost.
                    tail = (run, (PSN.distance(next, from: run) + n - 1) / n, observed)
                }
            }
            // A NAK for a PSN the flow had not carried yet, which now comes as new: the
            // requester never went back for it.
            if nakAwaitsRun, let nak = nakPSN, PSN.distance(nak, from: next) < PSN.half,
               PSN.distance(psn, from: nak) < PSN.half {
                nakPSN = nil
                nakAwaitsRun = false
            }
            if owedTail, ackedAtTop, sincePrevious >= reorderWindowNanoseconds,
               sincePrevious < tailTimer - tailTimer / 4 {
                owedTail = false
            }
            ackedAtTop = false
            if owedTail {
                settledLostRetransmissions &+= 1
                if endsMessage { owedTail = false }
            }
            openAtTop = !endsMessage
            provisionalLate = false
            next = PSN.add(psn, n)
            distinct &+= 1
            lastNew = psn
            trim()
            return .new
        }
        // Behind `next`: older than the flow's first PSN, a hole filled, or a repeat.
        if PSN.distance(psn, from: low) >= PSN.distance(next, from: low) {
            let older = PSN.distance(low, from: PSN.add(psn, n))
            if older > 0 && older < PSNLedger.window {
                insertHole(Hole(start: PSN.add(psn, n), count: older, epoch: disturbances, time: time, counted: false),
                           at: 0)
            }
            low = psn
            distinct &+= 1
            provisionalLate = false
            return .new
        }
        if let i = holeIndex(containing: psn) {
            let hole = holes[i]
            let reordered = hole.counted && hole.epoch == disturbances && time.subtractingSaturating(hole.time) <= reorderWindowNanoseconds
            if !reordered { follow(psn, span: n, gap: sincePrevious) }  // a reordered packet is no retransmission run
            fill(psn, at: i)
            // A READ request fills every position it reserves.
            var more = n - 1, at = PSN.add(psn, 1), filled: UInt64 = 1
            while more > 0, let j = holeIndex(containing: at) {
                fill(at, at: j)
                more -= 1
                filled += 1
                at = PSN.add(at, 1)
            }
            distinct &+= 1
            provisionalLate = false
            guard hole.counted else { return .new }
            // Stamped before the packet that skipped it: the capture point delivered them out
            // of order (one sender stamps a flow's packets with one clock; a packet resent after
            // a loss always comes later), so it was never lost, whatever came in between.
            let stampedBefore = time < hole.time
            if reordered || stampedBefore {
                late &+= filled
                lateFilled = filled
                provisionalLate = !stampedBefore
                return .late
            }
            recovered &+= 1
            lastRecovery = filled == 1 ? (psn, hole.time) : nil
            return .recovered
        }
        // Carried before.
        follow(psn, span: n, gap: sincePrevious)
        disturbances &+= 1
        if let r = lastRecovery, r.psn == psn,
           time < r.skippedAt || (previous == psn && sincePrevious <= reorderWindowNanoseconds) {
            // The PSN a resend recovered comes again, with no NAK since: stamped before the
            // packet that skipped it (a capture stamped by the sender), or right behind the
            // copy that recovered it (live, stamped on arrival). A go-back round sends each
            // PSN once, so this copy is the original, delivered after its resend (rxe over a
            // veth, two CPUs: a FIRST held back behind its LAST and behind its own resend).
            // It was reordered, never lost; one of the two copies is still a retransmission.
            // (A network duplicate of the resend of a PSN really lost would read the same.)
            recovered &-= 1
            late &+= 1
            lastRecovery = nil
        }
        if provisionalLate {
            late &-= lateFilled  // the PSN before this one was resent too: recovered, not reordered
            recovered &+= 1
            provisionalLate = false
        }
        if let nak = nakPSN, PSN.distance(psn, from: nak) < PSN.half {
            retransmittedAfterNAK &+= 1
            return .retransmitted(.afterNAK)
        }
        if psn == previous && sincePrevious <= reorderWindowNanoseconds {
            duplicates &+= 1
            lastNew = previousNew  // a copy of a READ request: its span may still be revised
            return .retransmitted(.duplicate)
        }
        retransmittedAfterTimeout &+= 1
        return .retransmitted(.afterTimeout)
    }

    /// Tracks a packet behind `next` within the retransmission run: a go-back-N run after a
    /// NAK resends every PSN from the NAK's on, so the PSNs it skips were lost again. So does
    /// a timeout's round once it sweeps (`sweepLength` packets in order): a gap of up to
    /// `sweepGap` PSNs in it was lost again. Single resends, and the jumps between them, are not.
    /// `gap`: the time since the flow's previous packet.
    private mutating func follow(_ psn: UInt32, span n: UInt32, gap: Int64) {
        // The PSN a NAK asked for, before its replay started: that replay, whatever an older
        // run left pending or where it stood.
        let startsReplay = nakAwaitsRun && psn == nakPSN
        // After a silence, with no run in progress (or one that reached the top), a PSN that
        // goes back starts the timer's round: rxe sends interleaved rounds back to back. What
        // the last run skipped comes again because it was lost.
        let startsRound = startsReplay || ((runNext == nil || runNext == next) && gap > reorderWindowNanoseconds)
        if !startsRound, let i = pendingLosses.firstIndex(where: { $0.psn == psn }) {
            // Skipped by the run, arriving after all: reordered, or resent by a second run
            // that interleaves with this one (rxe sends a NAK's replay and an older round
            // side by side, one packet of each in turn). The skipped PSNs this second run has
            // yet to reach are not lost while it is still coming towards them.
            pendingLosses.remove(at: i)
            for k in pendingLosses.indices where PSN.isAhead(pendingLosses[k].psn, of: psn) {
                pendingLosses[k].seen = observed
            }
            return
        }
        if !nakAwaitsRun, !startsRound, let i = recentlySettled.lastIndex(where: { $0.psn == psn }),
           observed &- recentlySettled[i].settled <= PSNLedger.settleAfter {
            // Counted lost a few packets ago, and no NAK asked for it: it came late (rxe's
            // rounds reorder by up to 36 packets), not as the start of a new round.
            recentlySettled.remove(at: i)
            settledLostRetransmissions &-= 1
            return
        }
        if !startsReplay, let run = runNext, PSN.distance(psn, from: run) < PSN.half {
            // The run goes on (packets already in flight when a later NAK arrived included).
            let gap = PSN.distance(psn, from: run)
            if runFromNAK || (gap <= PSNLedger.sweepGap && runLength >= PSNLedger.sweepLength) {
                skipped(from: run, count: gap, step: n)
            }
            runLength &+= 1
            tail = nil
        } else {
            // A new round: the old one was abandoned, its rest not sent; unless a NAK asks for
            // just where the old run stopped, which says its rest was sent and lost.
            if startsReplay, let t = tail, t.start == psn { settledLostRetransmissions &+= UInt64(t.count) }
            tail = nil
            // A run starts: the first retransmission, or a jump back (a new round). What the
            // last round skipped is lost now. A round that answers a NAK starts at the NAK's
            // PSN: one that starts later lost those before.
            settle(all: true)
            runFromNAK = false
            runLength = 1
            if nakAwaitsRun, let nak = nakPSN {
                nakAwaitsRun = false
                let before = PSN.distance(psn, from: nak)
                if before < PSN.half {
                    runFromNAK = true
                    skipped(from: nak, count: before, step: n)
                }
            } else if let nak = nakPSN, PSN.distance(psn, from: nak) < PSN.half {
                runFromNAK = true  // another round for the same NAK
            }
            // A timeout: with the flow's last message unfinished, its end was lost. Only after
            // a silence of about a timeout: the timer runs from the last packet sent (3/4 of
            // the lowest IBTA value taken, 25 ms; rxe's 67 ms timer has fired after 51). A
            // copy sooner than that is a spurious firing: rxe's timer, left running after
            // everything was acknowledged, fired while the requester was in the middle of a
            // message, so the completer sent it back to the message's FIRST before its LAST
            // had gone out (lossless ping-pongs in the SoftRoCE VM test: FIRST, FIRST again
            // 0.5 ms later, or 5.4 ms under load, then LAST).
            owedTail = !runFromNAK && openAtTop && gap >= StatsEngine.shortestTimeout - StatsEngine.shortestTimeout / 4
            ackedAtTop = false
            tailTimer = gap
        }
        runNext = PSN.add(psn, n)
    }

    /// PSNs a run skipped: pending, as one may yet come reordered. `step` is the span of the
    /// run's requests (a READ's positions are one request).
    private mutating func skipped(from start: UInt32, count: UInt32, step: UInt32 = 1) {
        let packets = (count + step - 1) / step
        let listed = min(packets, 64)
        settledLostRetransmissions &+= UInt64(packets - listed)
        for k in 0..<listed {
            if pendingLosses.count >= PSNLedger.maximumPending {
                pendingLosses.removeFirst()
                settledLostRetransmissions &+= 1
            }
            pendingLosses.append((PSN.add(start, k &* step), observed))
        }
    }

    /// Counts as lost the pending PSNs that did not come in time (all of them with `all`).
    private mutating func settle(all: Bool = false) {
        if let t = tail, observed &- t.seen > PSNLedger.settleAfter {
            tail = nil
            runNext = nil
            if !nakAwaitsRun { nakPSN = nil }
            settledLostRetransmissions &+= UInt64(t.count)
        }
        while let first = pendingLosses.first, all || observed &- first.seen > PSNLedger.settleAfter {
            pendingLosses.removeFirst()
            settledLostRetransmissions &+= 1
            if !all {
                recentlySettled.append((first.psn, observed), keepingAtMost: PSNLedger.maximumPending,
                                       dropping: PSNLedger.maximumPending / 2)
            }
        }
    }

    /// Corrects the span of the last request (a READ whose response count became known),
    /// while nothing has been seen past it.
    public mutating func reviseSpan(of psn: UInt32, to span: UInt32) {
        guard started, lastNew == psn else { return }
        next = PSN.add(psn, max(1, min(span, PSN.half - 1)))
    }

    /// PSNs `start ..< start + count`, behind `next` and counted as carried (the reservation of
    /// a READ taken too long), turn out never to have been seen: they are missing since `time`.
    public mutating func reopen(from start: UInt32, count: UInt32, time: Int64) {
        guard started, count > 0, PSN.distance(start, from: low) < PSN.distance(next, from: low),
              holeIndex(containing: start) == nil else { return }
        let n = min(count, PSN.distance(next, from: start))
        let at = PSN.distance(start, from: low)
        let index = holes.firstIndex { PSN.distance($0.start, from: low) > at } ?? holes.count
        missing &+= UInt64(n)
        insertHole(Hole(start: start, count: n, epoch: disturbances, time: time, counted: true), at: index)
    }

    // MARK: - Holes

    /// `step`: the span of the request that passed them, taken as that of the requests lost
    /// in between (a requester's READs are alike: one size, one path MTU).
    private mutating func openHoles(from start: UInt32, count: UInt32, time: Int64,
                                    expected: [(start: UInt32, count: UInt32)]?, step: UInt32) {
        guard let expected else {
            appendHole(start: start, count: count, time: time, step: step)
            return
        }
        // Only the skipped PSNs some request reserved.
        var parts: [(UInt32, UInt32)] = []
        for r in expected {
            let offset = PSN.distance(r.start, from: start)
            let lo: UInt32, hi: UInt32
            if offset < PSN.half {
                lo = offset
                hi = min(count, offset &+ r.count)
            } else {
                let before = PSN.distance(start, from: r.start)
                guard before < r.count else { continue }
                lo = 0
                hi = min(count, r.count - before)
            }
            if lo < hi { parts.append((lo, hi)) }
        }
        parts.sort { $0.0 < $1.0 }
        var covered: UInt32 = 0
        // Between and after them, PSNs no request reserved (not due, or their request is not in
        // the capture): not missing, but not carried either, so one that comes later is new.
        for (lo, hi) in parts where hi > covered {
            if lo > covered { appendUndue(start: PSN.add(start, covered), count: lo - covered, time: time) }
            let from = max(lo, covered)
            appendHole(start: PSN.add(start, from), count: hi - from, time: time)
            covered = hi
        }
        if count > covered { appendUndue(start: PSN.add(start, covered), count: count - covered, time: time) }
    }

    /// Uncounted holes tracked at most (PSNs passed that no request reserved): a flow that
    /// mixes WRITEs and READs skips the WRITEs' PSNs in its READ responses all the time.
    static let maximumUndueHoles = 64
    private var undueHoles = 0

    private mutating func appendUndue(start: UInt32, count: UInt32, time: Int64) {
        if undueHoles >= PSNLedger.maximumUndueHoles, let i = holes.firstIndex(where: { !$0.counted }) {
            removeHole(at: i)
        }
        insertHole(Hole(start: start, count: count, epoch: disturbances, time: time, counted: false), at: holes.count)
    }

    private mutating func appendHole(start: UInt32, count: UInt32, time: Int64, step: UInt32 = 1) {
        missing &+= UInt64(count)
        insertHole(Hole(start: start, count: count, epoch: disturbances, time: time, counted: true, step: max(1, step)),
                   at: holes.count)
    }

    private mutating func insertHole(_ hole: Hole, at index: Int) {
        if holes.count >= PSNLedger.maximumHoles {
            let dropped = removeHole(at: 0)
            expire(dropped)
            holes.insert(hole, at: max(0, index - 1))
        } else {
            holes.insert(hole, at: index)
        }
        if !hole.counted { undueHoles += 1 }
    }

    /// Every hole leaves through here, so `undueHoles` stays the number of uncounted ones.
    @discardableResult
    private mutating func removeHole(at i: Int) -> Hole {
        let hole = holes.remove(at: i)
        if !hole.counted { undueHoles -= 1 }
        return hole
    }

    /// The index of the hole holding `psn` (holes are in PSN order from `low`).
    private func holeIndex(containing psn: UInt32) -> Int? {
        let target = PSN.distance(psn, from: low)
        var lo = 0, hi = holes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let start = PSN.distance(holes[mid].start, from: low)
            if target < start {
                hi = mid
            } else if target - start >= holes[mid].count {
                lo = mid + 1
            } else {
                return mid
            }
        }
        return nil
    }

    private mutating func fill(_ psn: UInt32, at i: Int) {
        let hole = holes[i]
        let offset = PSN.distance(psn, from: hole.start)
        let after = hole.count - offset - 1
        switch (offset, after) {
        case (0, 0): removeHole(at: i)
        case (0, _):
            holes[i].start = PSN.add(psn, 1)
            holes[i].count = after
        case (_, 0): holes[i].count = offset
        default:
            holes[i].count = offset
            var rest = hole
            rest.start = PSN.add(psn, 1)
            rest.count = after
            insertHole(rest, at: i + 1)
        }
    }

    /// Keeps the tracked span within `window`: older holes stay unrecovered.
    private mutating func trim() {
        guard PSN.distance(next, from: low) > PSNLedger.window else { return }
        low = PSN.distance(next, from: PSNLedger.window)
        while let first = holes.first, PSN.distance(PSN.add(first.start, first.count), from: low) >= PSN.half
                || PSN.distance(first.start, from: low) >= PSN.half {
            removeHole(at: 0)
            expire(first)
        }
    }

    /// A hole dropped from tracking stays unrecovered.
    private mutating func expire(_ hole: Hole) {
        guard hole.counted else { return }
        expired &+= UInt64(hole.count)
        expiredRequests &+= hole.requests
    }
}

extension PSNObservation {
    /// Whether the packet's PSN was carried for the first time.
    public var isFirstSighting: Bool {
        if case .retransmitted = self { return false }
        return true
    }
}
