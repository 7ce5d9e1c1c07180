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
public struct ResponderModel: Sendable {
    private var started = false
    /// The PSN the responder expects next.
    public private(set) var expectedPSN: UInt32 = 0
    private var nakSent = false
    /// ACKs and NAKs owed so far.
    public private(set) var owedReplies: UInt64 = 0

    public init() {}

    /// A request with PSN `psn` occupying `span` positions; `answeredByResponse` for READs
    /// (owed `span` responses) and atomics (owed one).
    public mutating func request(psn: UInt32, span: UInt32, ackRequested: Bool, answeredByResponse: Bool) {
        let n = max(1, span)
        let d = PSN.distance(psn, from: expectedPSN)
        if !started || d == 0 {
            started = true
            expectedPSN = PSN.add(psn, n)
            nakSent = false
            if answeredByResponse {
                owedReplies &+= UInt64(n)
            } else if ackRequested {
                owedReplies &+= 1
            }
        } else if d >= PSN.half {
            owedReplies &+= answeredByResponse ? UInt64(n) : 1
        } else if !nakSent {
            nakSent = true
            owedReplies &+= 1
        }
    }

    /// The span of the READ at `psn` turned out to be `span`, not `old` (the path MTU became
    /// known): its owed responses and the next expected PSN follow.
    public mutating func revise(readAt psn: UInt32, from old: UInt32, to span: UInt32) {
        guard started, PSN.add(psn, max(1, old)) == expectedPSN else { return }
        expectedPSN = PSN.add(psn, max(1, span))
        owedReplies = owedReplies &- UInt64(max(1, old)) &+ UInt64(max(1, span))
    }

    /// A READ further back took `span` PSNs, not `old`: only the responses it is owed change.
    public mutating func reviseOwed(from old: UInt32, to span: UInt32) {
        owedReplies = owedReplies &- UInt64(max(1, old)) &+ UInt64(max(1, span))
    }

    /// The PSNs from `psn` on, which the model took as accepted, never reached the responder
    /// (a READ's reservation was taken too long): it still expects `psn`, so the requests
    /// since, owed `owed` replies as accepted, were out of sequence and owed one NAK.
    public mutating func rewind(to psn: UInt32, withdrawing owed: UInt64) {
        guard started, PSN.distance(expectedPSN, from: psn) < PSN.half else { return }
        expectedPSN = psn
        owedReplies = owedReplies >= owed ? owedReplies - owed : 0
        owedReplies &+= nakSent ? 0 : 1
        nakSent = true
    }

    /// The responder said it expects `psn` (a NAK or an RNR NAK): it did not accept `psn`.
    public mutating func responderExpects(_ psn: UInt32) {
        guard started, PSN.distance(expectedPSN, from: psn) < PSN.half else { return }
        expectedPSN = psn
    }
}
