/// What an IBTA responder answers to the requests a flow carried (IBTA 9.7.5, C9-105;
/// rxe's `rxe_resp.c` does the same): the ACKs and NAKs it owes, counted from the requests as
/// the capture saw them. The reverse flow's ACKs and NAKs fall short of it by the replies
/// lost before the capture point (docs/analysis.md, `lost_replies`).
///
/// - a request at the PSN the responder expects is accepted; one with AckReq set is owed an
///   ACK (READs and atomics are answered by responses, which their own ledger accounts for);
/// - a SEND or WRITE behind it is a duplicate, owed an ACK whatever its AckReq bit;
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
    /// and atomics.
    public mutating func request(psn: UInt32, span: UInt32, ackRequested: Bool, answeredByResponse: Bool) {
        guard started else {
            started = true
            accept(psn: psn, span: span, ackRequested: ackRequested, answeredByResponse: answeredByResponse)
            return
        }
        let d = PSN.distance(psn, from: expectedPSN)
        if d == 0 {
            accept(psn: psn, span: span, ackRequested: ackRequested, answeredByResponse: answeredByResponse)
        } else if d >= PSN.half {
            if !answeredByResponse { owedReplies &+= 1 }
        } else if !nakSent {
            nakSent = true
            owedReplies &+= 1
        }
    }

    private mutating func accept(psn: UInt32, span: UInt32, ackRequested: Bool, answeredByResponse: Bool) {
        expectedPSN = PSN.add(psn, max(1, span))
        nakSent = false
        if ackRequested && !answeredByResponse { owedReplies &+= 1 }
    }

    /// The responder said it expects `psn` (a NAK or an RNR NAK): it did not accept `psn`.
    public mutating func responderExpects(_ psn: UInt32) {
        guard started, PSN.distance(expectedPSN, from: psn) < PSN.half else { return }
        expectedPSN = psn
    }
}
