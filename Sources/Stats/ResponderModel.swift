/// What an IBTA responder answers to the requests a flow carried (IBTA 9.7.5, C9-105;
/// rxe's `rxe_resp.c` does the same): the ACKs and NAKs it owes, counted from the requests as
/// the capture saw them. The reverse flow's ACKs and NAKs fall short of it by the replies
/// lost before the capture point (docs/analysis.md, `lost_replies`).
///
/// - a request at the PSN the responder expects is accepted: a SEND or WRITE with AckReq set
///   is owed an ACK, a READ one response packet per PSN it reserves, an atomic its atomic
///   acknowledgement;
/// - a request behind it is a duplicate: a SEND or WRITE is owed an ACK whatever its AckReq
///   bit, a READ its responses again (for the range it asks for), an atomic its saved
///   acknowledgement;
/// - a request past it is out of sequence: the first one is owed a NAK, later ones nothing
///   until the expected PSN arrives.
struct ResponderReading: Sendable {
    private var started = false
    /// The PSN the responder expects next.
    private(set) var expectedPSN: UInt32 = 0
    private var nakSent = false
    /// Whether the responder has answered yet (an ACK, a NAK, an RNR NAK or a response, on
    /// the reverse flow): until then the PSN it expects is the model's guess, from the first
    /// request the capture saw.
    private var answered = false
    /// The first request's PSN: the capture saw nothing the requester sent before it.
    private var firstPSN: UInt32 = 0
    /// ACKs and NAKs owed so far.
    private(set) var owedReplies: UInt64 = 0
    /// The latest requests taken as accepted, with the replies each was owed (a bounded
    /// window): a NAK for an earlier PSN says they were not accepted after all.
    private var accepted: [Accepted] = []
    /// A request taken as accepted, and the replies it was owed (12 bytes: every flow keeps
    /// up to 2 x `acceptedWindow` of them).
    private struct Accepted: Sendable {
        var psn: UInt32
        var owed: UInt32
        /// `othersOwed` when it came: the entries of `otherOwed` from this one on came after.
        var othersBefore: UInt32
    }
    /// Replies owed besides those of an accepted request: a duplicate's, or the NAK of an
    /// out-of-sequence request.
    private struct OtherOwed: Sendable {
        var psn: UInt32
        var owed: UInt32
        /// Its number among them (`othersOwed` when it came, wrapping).
        var number: UInt32
        var kind: Kind
        enum Kind: Sendable {
            /// The NAK of an out-of-sequence request, due as `nakThrough` says.
            case nak
            /// A duplicate SEND's or WRITE's ACK. rxe ACKs a duplicate with the PSN before
            /// the one it expects, which names no request, so it is due once the answers
            /// reach its PSN.
            case ack
            /// A duplicate READ's responses or atomic's acknowledgement, which name its PSNs:
            /// due once a response names them (`answeredOthers`).
            case responses
        }
    }
    /// The replies owed besides those of accepted requests, by the PSN of the request that
    /// incurred each (a bounded window): a NAK for an earlier PSN says those requests were
    /// out of sequence too, owed nothing.
    private var otherOwed: [OtherOwed] = []
    /// How many entries `otherOwed` has had (wrapping).
    private var othersOwed: UInt32 = 0
    /// The entries of `otherOwed` numbered before this one are answered (`noteResponse`): the
    /// responder answers in the order requests reach it, so a response naming one of a
    /// duplicate's PSNs answers it and every one before it. Its answers in a resend round go
    /// back to the first resent PSN, far behind the furthest answered: until they reach a
    /// duplicate, its responses are in flight, not lost (atomic_bw at 2 % loss on the
    /// responder's side, cut to end 83 % in: 35 lost for the whole run's 1, the 34 atomics
    /// resent after a lost acknowledgement).
    private var answeredOthers: UInt32 = 0
    /// The PSN the latest response named.
    private var lastResponse: UInt32?

    /// How many of the `owed` replies of a request at `psn` are for PSNs past `through`, not
    /// due yet: all of them when it lies wholly past, else a READ's responses after `through`.
    private static func owedPast(psn: UInt32, owed: UInt32, through: UInt32) -> UInt32 {
        let after = PSN.distance(psn, from: through)
        if after != 0 && after < PSN.half { return owed }
        let into = PSN.distance(through, from: psn)
        return into < owed ? owed - into - 1 : 0
    }

    /// Whether a go-back past the first PSN the capture saw, before any answer, starts the
    /// reading again (false in `ResponderModel.resent`, the reading where it does not).
    var rebases = true

    init() {}

    /// Whether a request at `psn` goes back past the first PSN the capture saw before any
    /// answer, so that this reading starts again from it (see `request`).
    func goesBackBeforeAnyAnswer(_ psn: UInt32) -> Bool {
        rebases && started && !answered && PSN.distance(psn, from: expectedPSN) >= PSN.half
            && PSN.distance(psn, from: firstPSN) >= PSN.half
    }

    /// Whether an answer for `psn` answers the request this reading started again from.
    func answersGoBack(_ psn: UInt32) -> Bool {
        accepted.first.map { $0.psn == firstPSN && PSN.distance(psn, from: $0.psn) < max(1, $0.owed) } ?? false
    }

    /// A request with PSN `psn` occupying `span` positions; `answeredByResponse` for READs
    /// (owed `span` responses) and atomics (owed one).
    mutating func request(psn: UInt32, span: UInt32, ackRequested: Bool, answeredByResponse: Bool) {
        let n = max(1, span)
        var d = PSN.distance(psn, from: expectedPSN)
        if goesBackBeforeAnyAnswer(psn) {
            // Before the responder answered anything, the requester goes back past the first
            // PSN the capture saw. Either the capture began while the responder still waited
            // for this PSN (a go-back-N round after a NAK the capture missed): every request
            // the capture saw was out of sequence there and owed nothing, neither the replies
            // of those taken as accepted (a demo lap cut 200 packets in: 31 lost replies) nor
            // those of the resends taken as duplicates (rxe's read_bw at 10 % loss cut 47 %
            // in: 138), nor the NAK, and the model starts again from this PSN. Or the
            // responder took them and its answers were lost or are late, and this is a
            // timeout's resend (read_bw at 10 % loss on the responder's side, cut 20 % in:
            // the first answers, 2,000 packets later, are for the first PSNs seen). The
            // responder's first answer tells which (`ResponderModel.responderAnswered`); until
            // then both are kept, this one counted. Going back to a PSN the capture saw sent
            // is a resend like any other (a ping-pong's first ACK lost: its timeout resends it).
            owedReplies = 0
            accepted.removeAll()
            otherOwed.removeAll()
            nakThrough = nil
            started = false
            d = 0
        }
        if !started || d == 0 {
            if !started { firstPSN = psn }
            started = true
            expectedPSN = PSN.add(psn, n)
            nakSent = false
            let owed: UInt32 = answeredByResponse ? n : (ackRequested ? 1 : 0)
            owedReplies &+= UInt64(owed)
            accepted.append(Accepted(psn: psn, owed: owed, othersBefore: othersOwed), keepingAtMost: 2 * ResponderModel.acceptedWindow,
                            dropping: ResponderModel.acceptedWindow)
        } else if d >= PSN.half {
            oweOther(answeredByResponse ? n : 1, for: psn, answeredByResponse ? .responses : .ack)
        } else if !nakSent {
            nakSent = true
            oweOther(1, for: psn, .nak)
            nakThrough = PSN.add(expectedPSN, PSN.mask)
        }
    }

    /// The last PSN the NAK owed for an out-of-sequence request will cover (the one before
    /// the PSN it asks for): due once the answers reach it.
    private var nakThrough: UInt32?

    /// The span of the READ at `psn` turned out to be `span`, not `old` (the path MTU became
    /// known): its owed responses and the next expected PSN follow.
    mutating func revise(readAt psn: UInt32, from old: UInt32, to span: UInt32) {
        guard started, PSN.add(psn, max(1, old)) == expectedPSN else { return }
        expectedPSN = PSN.add(psn, max(1, span))
        owedReplies = owedReplies &- UInt64(max(1, old)) &+ UInt64(max(1, span))
        if let last = accepted.last, last.psn == psn { accepted[accepted.count - 1].owed = max(1, span) }
    }

    /// A READ further back took `span` PSNs, not `old`: only the responses it is owed change.
    mutating func reviseOwed(from old: UInt32, to span: UInt32) {
        owedReplies = owedReplies &- UInt64(max(1, old)) &+ UInt64(max(1, span))
    }

    /// The PSNs from `psn` on, which the model took as accepted, never reached the responder
    /// (a READ's reservation was taken too long): it still expects `psn`, so the requests
    /// since, owed `owed` replies as accepted, were out of sequence and owed one NAK.
    mutating func rewind(to psn: UInt32, withdrawing owed: UInt64) {
        guard started, PSN.distance(expectedPSN, from: psn) < PSN.half else { return }
        expectedPSN = psn
        accepted.removeAll { PSN.distance($0.psn, from: psn) < PSN.half }
        owedReplies = owedReplies >= owed ? owedReplies - owed : 0
        owedReplies &+= nakSent ? 0 : 1
        nakSent = true
    }

    /// Whether the responder's answers have reached the first request the capture saw (an
    /// answer about its PSN or a later one). It answers in order, so the answers before that
    /// were to requests from before the capture, which the model does not count as owed.
    private(set) var caughtUp = false

    /// The responder answered (an ACK, a NAK, an RNR NAK or a response): from now on a
    /// request behind the PSN it expects is a duplicate, not a sign the capture began late.
    /// `through`: the last PSN the answer covers (an ACK's or a response's own, the one
    /// before a NAK's).
    mutating func responderAnswered(through psn: UInt32, _ answer: ResponderModel.Answer) {
        defer {
            if started && !caughtUp && (answer == .nak || PSN.distance(psn, from: firstPSN) < PSN.half) { caughtUp = true }
        }
        answered = true
        if answer == .response {
            noteResponse(naming: psn)
            lastResponse = psn
        }
        if let t = answeredThrough, !PSN.isAhead(psn, of: t) { return }
        answeredThrough = psn
    }

    /// A response named `psn`. The responder answers in the order requests reached it, so
    /// the response answers the first unanswered request whose PSNs hold `psn`: a duplicate
    /// owed responses (`otherOwed`), unless an accepted request holding `psn` came before it
    /// and was not answered yet (a READ resent in a second round while the responder still
    /// answers the first, and new requests between them: read_bw at 5 % on the responder's
    /// side). The duplicates before that one are answered too: their responses were lost.
    /// Until the answers reach the first request the capture saw (`caughtUp`), they answer
    /// requests from before the capture, resends among them, and answer none seen.
    private mutating func noteResponse(naming psn: UInt32) {
        guard caughtUp else { return }
        // The entries not yet answered are the latest few, if any.
        var i = otherOwed.count
        while i > 0 && otherOwed[i - 1].number &- answeredOthers < 1 << 31 { i -= 1 }
        // The next response of the READ answered last (a later PSN of its range; the same
        // one again is a later round's resend of it).
        if i > 0, otherOwed[i - 1].number &+ 1 == answeredOthers, otherOwed[i - 1].kind == .responses,
           PSN.distance(psn, from: otherOwed[i - 1].psn) < otherOwed[i - 1].owed,
           let last = lastResponse, PSN.isAhead(psn, of: last) { return }
        while i < otherOwed.count {
            let entry = otherOwed[i]
            if entry.kind == .responses && PSN.distance(psn, from: entry.psn) < entry.owed {
                if acceptedAnswers(psn, before: entry.number) { return }
                answeredOthers = entry.number &+ 1
                return
            }
            i += 1
        }
    }

    /// Whether an accepted request holding `psn`, not answered before, came before the entry
    /// of `otherOwed` numbered `number`.
    private func acceptedAnswers(_ psn: UInt32, before number: UInt32) -> Bool {
        if let through = answeredThrough, !PSN.isAhead(psn, of: through) { return false }
        var i = accepted.count
        while i > 0 {
            i -= 1
            let a = accepted[i]
            let into = PSN.distance(psn, from: a.psn)
            if into < PSN.half { return into < max(1, a.owed) && number &- a.othersBefore < 1 << 31 }
        }
        return false
    }

    /// The furthest PSN the responder's answers have covered so far.
    private var answeredThrough: UInt32?

    /// The replies owed so far for the requests up to the furthest PSN the responder answered:
    /// those of requests past it are not due yet (in flight: a live snapshot, or a capture
    /// that ends, holds the requests but not yet their ACKs). `owedReplies` counts them all.
    var repliesDue: UInt64 {
        guard let through = answeredThrough else { return owedReplies }
        var notDue: UInt64 = 0
        if let n = nakThrough, PSN.isAhead(n, of: through) { notDue = 1 }
        // Accepted requests come in PSN order: from the latest back to the first at or
        // before `through` (a READ there whose responses reach past it owes those later).
        // By index, not for-in: with for-in over these windows the debug build of Swift 6.3.1
        // crashed (SIGSEGV) on captures begun mid-session (make test, 24e6f1d, reverted).
        var i = accepted.count
        while i > 0 {
            i -= 1
            notDue &+= UInt64(Self.owedPast(psn: accepted[i].psn, owed: accepted[i].owed, through: through))
            let after = PSN.distance(accepted[i].psn, from: through)
            if after == 0 || after >= PSN.half { break }
        }
        // Resends, in any order: a READ or atomic resent after a timeout is answered when the
        // responder comes to it, once a response names it (`answeredOthers`; the last one
        // named may have more responses to come), whatever the furthest PSN answered before
        // (read_bw at 5 % on the responder's side, cut to the 1-5 % of the run: 130 lost, for a
        // share of 4, were resends in flight at the end). A duplicate's ACK names no request:
        // due once the answers reach its PSN.
        var j = 0
        while j < otherOwed.count {
            let entry = otherOwed[j]
            j += 1
            if entry.kind == .nak { continue }
            if entry.kind == .responses && entry.number &- answeredOthers < 1 << 31 {
                notDue &+= UInt64(entry.owed)
                continue
            }
            let answeredBy = entry.kind == .responses && entry.number &+ 1 == answeredOthers ? lastResponse ?? through : through
            notDue &+= UInt64(Self.owedPast(psn: entry.psn, owed: entry.owed, through: answeredBy))
        }
        return owedReplies > notDue ? owedReplies - notDue : 0
    }

    /// `count` replies owed by the request at `psn` as a duplicate or out of sequence.
    private mutating func oweOther(_ count: UInt32, for psn: UInt32, _ kind: OtherOwed.Kind) {
        owedReplies &+= UInt64(count)
        otherOwed.append(OtherOwed(psn: psn, owed: count, number: othersOwed, kind: kind), keepingAtMost: 2 * ResponderModel.acceptedWindow,
                         dropping: ResponderModel.acceptedWindow)
        othersOwed &+= 1
    }

    /// Takes back what the requests from `psn` on were owed: those taken as accepted, and the
    /// duplicates and NAKs among them since `psn` was last taken as accepted (the responder
    /// that still expects `psn` took none of them, and sends one NAK for them all, which the
    /// caller owes; what came before, in an earlier round, it answered).
    private mutating func withdraw(from psn: UInt32) {
        // The entries of `otherOwed` numbered from `since` on came after `psn` was last
        // taken as accepted (all of them when it never was).
        let since = accepted.last(where: { $0.psn == psn })?.othersBefore ?? othersOwed &- UInt32(otherOwed.count)
        var withdrawn: UInt64 = 0
        while let last = accepted.last, PSN.distance(last.psn, from: psn) < PSN.half {
            withdrawn &+= UInt64(last.owed)
            accepted.removeLast()
        }
        otherOwed.removeAll { entry in
            guard entry.number &- since < 1 << 31, PSN.distance(entry.psn, from: psn) < PSN.half else { return false }
            withdrawn &+= UInt64(entry.owed)
            return true
        }
        owedReplies = owedReplies >= withdrawn ? owedReplies - withdrawn : 0
    }

    /// An RNR NAK for `psn`: the responder had no receive WQE for the request at `psn` and
    /// refused it, answering with this RNR NAK instead of what it would have owed it. The
    /// requests after it that the model took as accepted were out of sequence: owed no ACK
    /// each, but one PSN sequence error NAK for the first of them (rxe's `check_psn()` sends it:
    /// a real `ib_send_bw` with a receive queue 2 deep shows each RNR NAK followed by one, and
    /// rxeB's `send_rnr_err` and `out_of_seq_request` agree). Without this, every ACK those
    /// requests asked for counted as a lost reply (238 in Tests/Fixtures/rxe-rnr-ecn, where
    /// rxeB sent every reply it owed).
    mutating func receiverNotReady(at psn: UInt32) {
        guard started, PSN.distance(expectedPSN, from: psn) < PSN.half else { return }
        // Requests were accepted in PSN order: the latest tells whether any came after `psn`.
        let later = accepted.last.map { $0.psn != psn && PSN.distance($0.psn, from: psn) < PSN.half } ?? false
        withdraw(from: psn)
        owedReplies &+= later ? 2 : 1  // this RNR NAK, and the NAK of the first request after it
        nakSent = later
        expectedPSN = psn
    }

    /// The responder said it expects `psn` (a NAK): it did not accept `psn`.
    /// A PSN sequence error NAK for a PSN behind the one the model expects says the requests
    /// taken as accepted from `psn` on were out of sequence (the capture missed the request
    /// the responder waited for: the flow's first, or one lost after the capture point): they
    /// were owed no ACK, only this one NAK: neither the replies of those taken as duplicates
    /// nor the NAKs the model owed for gaps among them (a capture that reorders two requests
    /// owed a NAK the responder, already waiting for `psn`, never sent: send_bw at 5 % loss
    /// cut 13 % in counted one of rxeB's replies lost).
    mutating func responderExpects(_ psn: UInt32, outOfSequence: Bool = false) {
        guard started, PSN.distance(expectedPSN, from: psn) < PSN.half else { return }
        if outOfSequence && expectedPSN != psn {
            withdraw(from: psn)
            owedReplies &+= 1
            nakSent = true
        }
        expectedPSN = psn
    }
}

/// The replies a responder owes, as `ResponderReading` reads them from the requests, with a
/// second reading kept after a go-back that only the responder's first answer can settle.
/// (Two types, not one holding an array of itself: that recursive layout made the debug
/// build read a flow's fields after freeing them, heap-use-after-free under ASan, Swift 6.3.1.)
public struct ResponderModel: Sendable {
    /// The reading counted.
    private var reading = ResponderReading()
    /// Until the responder's first answer after a go-back past the first PSN the capture saw:
    /// the reading in which the requests reached the responder and the go-back was a
    /// timeout's resend (0 or 1 element).
    private var resent: [ResponderReading] = []

    /// Up to 2 x this many accepted requests, and as many other replies owed, are kept.
    static let acceptedWindow = 128

    public init() {}

    /// The PSN the responder expects next.
    public var expectedPSN: UInt32 { reading.expectedPSN }
    /// ACKs and NAKs owed so far.
    public var owedReplies: UInt64 { reading.owedReplies }
    /// The replies owed so far for the requests up to the furthest PSN the responder answered.
    public var repliesDue: UInt64 { reading.repliesDue }
    /// Whether the responder's answers have reached the first request the capture saw.
    public var caughtUp: Bool { reading.caughtUp }

    /// What an answer of the responder is.
    public enum Answer: Sendable {
        /// An ACK: it covers every PSN up to its own (ACKs coalesce).
        case ack
        /// A NAK or an RNR NAK: it answers a request the capture saw (the model owes one for
        /// the out-of-sequence or refused requests it saw).
        case nak
        /// A READ response or an atomic acknowledgement: it names the request it answers.
        case response
    }

    /// A request with PSN `psn` occupying `span` positions; `answeredByResponse` for READs
    /// (owed `span` responses) and atomics (owed one).
    public mutating func request(psn: UInt32, span: UInt32, ackRequested: Bool, answeredByResponse: Bool) {
        if !resent.isEmpty {
            resent[0].request(psn: psn, span: span, ackRequested: ackRequested, answeredByResponse: answeredByResponse)
        } else if reading.goesBackBeforeAnyAnswer(psn) {
            var other = reading
            other.rebases = false
            other.request(psn: psn, span: span, ackRequested: ackRequested, answeredByResponse: answeredByResponse)
            resent = [other]
        }
        reading.request(psn: psn, span: span, ackRequested: ackRequested, answeredByResponse: answeredByResponse)
    }

    /// The span of the READ at `psn` turned out to be `span`, not `old` (the path MTU became
    /// known).
    public mutating func revise(readAt psn: UInt32, from old: UInt32, to span: UInt32) {
        if !resent.isEmpty { resent[0].revise(readAt: psn, from: old, to: span) }
        reading.revise(readAt: psn, from: old, to: span)
    }

    /// A READ further back took `span` PSNs, not `old`.
    public mutating func reviseOwed(from old: UInt32, to span: UInt32) {
        if !resent.isEmpty { resent[0].reviseOwed(from: old, to: span) }
        reading.reviseOwed(from: old, to: span)
    }

    /// The PSNs from `psn` on, taken as accepted, never reached the responder.
    public mutating func rewind(to psn: UInt32, withdrawing owed: UInt64) {
        if !resent.isEmpty { resent[0].rewind(to: psn, withdrawing: owed) }
        reading.rewind(to: psn, withdrawing: owed)
    }

    /// The responder answered: `through` is the last PSN the answer covers (an ACK's or a
    /// response's own, the one before a NAK's).
    public mutating func responderAnswered(through psn: UInt32, _ answer: Answer = .ack) {
        if let other = resent.first {
            // The first answer after a go-back past the first PSN seen. A responder that
            // waited for the go-back's PSN answers its request first: a response to any other
            // request says the go-back was a resend, the responder having taken what came
            // before (it answers in order: a response to the first PSN seen, or to a request
            // from before the capture, still being answered when the resends began: read_bw
            // at 5 % on the responder's side cut 29 % in). An ACK says nothing of the kind:
            // the responder that waited ACKs the PSNs after the go-back's too (send_bw at 10 %
            // loss cut 66 % in: its first ACK, 5 PSNs past the first seen, answered the
            // go-back round).
            if answer == .response && !reading.answersGoBack(psn) { reading = other }
            resent = []
        }
        reading.responderAnswered(through: psn, answer)
    }

    /// An RNR NAK for `psn` (`ResponderReading.receiverNotReady`).
    public mutating func receiverNotReady(at psn: UInt32) { reading.receiverNotReady(at: psn) }

    /// The responder said it expects `psn` (a NAK; `ResponderReading.responderExpects`).
    public mutating func responderExpects(_ psn: UInt32, outOfSequence: Bool = false) {
        reading.responderExpects(psn, outOfSequence: outOfSequence)
    }
}
